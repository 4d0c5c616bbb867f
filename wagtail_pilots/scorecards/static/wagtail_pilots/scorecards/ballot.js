// Running total on the ballot page (progressive enhancement; the server's
// result is authoritative). A static file: the site's CSP forbids inline scripts.
(function () {
    // Progressive enhancement: a weighted 0–100 guide per subject row.
    document.querySelectorAll("[data-subject-row]").forEach(function (row) {
        var inputs = row.querySelectorAll("input[data-weight]");
        var out = row.querySelector("[data-running-total]");
        function update() {
            var sum = 0, weights = 0;
            inputs.forEach(function (input) {
                var v = parseFloat(input.value), lo = parseFloat(input.dataset.min),
                    hi = parseFloat(input.dataset.max), w = parseFloat(input.dataset.weight);
                if (isFinite(v) && v >= lo && v <= hi && hi > lo) {
                    sum += w * (v - lo) / (hi - lo) * 100;
                    weights += w;
                }
            });
            out.textContent = weights ? (sum / weights).toFixed(2) : "–";
        }
        inputs.forEach(function (input) { input.addEventListener("input", update); });
        update();
    });
})();
