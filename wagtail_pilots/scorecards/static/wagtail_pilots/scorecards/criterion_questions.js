// Scorecard editor: when a criterion's survey is chosen, its "survey question"
// drop-down lists that survey's questions at once (issue 13, item 4). A static
// file (the admin's CSP allows no inline script); without it the list follows
// the survey on the next save.
(function () {
    "use strict";
    var PATTERN = /^(criteria-\d+)-survey$/;

    function refill(select, questions) {
        var keep = select.value;
        var first = select.options[0];
        while (select.options.length > 1) {
            select.remove(1);
        }
        if (!first || first.value !== "") {
            select.textContent = "";
        }
        questions.forEach(function (q) {
            var option = document.createElement("option");
            option.value = q.key;
            option.textContent = q.label;
            select.appendChild(option);
        });
        select.value = questions.some(function (q) { return q.key === keep; }) ? keep : "";
    }

    document.addEventListener("change", function (event) {
        var input = event.target;
        var match = input && input.name && PATTERN.exec(input.name);
        if (!match) {
            return;
        }
        var select = document.getElementById("id_" + match[1] + "-question_key");
        if (!select || !select.dataset.pilotsQuestionsUrl) {
            return;
        }
        var survey = input.value;
        if (!/^\d+$/.test(survey || "")) {
            refill(select, []);
            return;
        }
        var url = select.dataset.pilotsQuestionsUrl.replace(/\/0\/$/, "/" + survey + "/");
        fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then(function (response) { return response.ok ? response.json() : {questions: []}; })
            .then(function (data) { refill(select, data.questions || []); })
            .catch(function () { /* the next save shows the list */ });
    });
})();
