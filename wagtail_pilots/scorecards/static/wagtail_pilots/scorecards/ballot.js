// Running total on the ballot page (progressive enhancement; the server checks
// every value and computes the result). A static file: the site's CSP forbids
// inline scripts. A value outside its range is never silently left out: the
// input is marked invalid and the total says a value is not counted.
(function () {
    document.querySelectorAll("[data-subject-row]").forEach(function (row) {
        var inputs = row.querySelectorAll("input[data-weight]");
        var out = row.querySelector("[data-running-total]");
        function update() {
            var sum = 0, weights = 0, outside = 0;
            inputs.forEach(function (input) {
                var v = parseFloat(input.value), lo = parseFloat(input.dataset.min),
                    hi = parseFloat(input.dataset.max), w = parseFloat(input.dataset.weight);
                var bad = input.value.trim() !== "" && !(isFinite(v) && v >= lo && v <= hi);
                input.classList.toggle("wp-out-of-range", bad);
                if (bad) {
                    input.setAttribute("aria-invalid", "true");
                    outside += 1;
                } else if (!input.hasAttribute("aria-describedby")) {
                    input.removeAttribute("aria-invalid");
                }
                if (!bad && isFinite(v) && hi > lo) {
                    sum += w * (v - lo) / (hi - lo) * 100;
                    weights += w;
                }
            });
            out.classList.toggle("wp-out-of-range", outside > 0);
            if (outside) {
                // No partial figure: it would read as the subject's total.
                out.textContent = out.dataset.outOfRange;
            } else {
                out.textContent = weights ? (sum / weights).toFixed(2) : "–";
            }
        }
        inputs.forEach(function (input) { input.addEventListener("input", update); });
        update();
    });
})();
