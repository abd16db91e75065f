// Draws the dashboard's charts from metrics.json (same figures as the tables on the page).
(function () {
  "use strict";
  const root = document.getElementById("dashboard-charts");
  if (!root || typeof Chart === "undefined") {
    return;
  }

  const currency = root.dataset.currency;
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: currency });
  const major = (minor) => minor / Math.pow(10, money.resolvedOptions().maximumFractionDigits);
  const asMoney = { callback: (value) => money.format(value) };

  fetch(root.dataset.metricsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) {
        throw new Error("metrics.json answered " + response.status);
      }
      return response.json();
    })
    .then((data) => {
      const labels = data.months.map((m) => m.month);
      const series = (name) => data.months.map((m) => major(m[name]));

      new Chart(document.getElementById("chart-mrr"), {
        type: "line",
        data: { labels, datasets: [{ label: "MRR", data: series("mrr"), borderColor: "#5b3cc4", tension: 0.2 }] },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: asMoney } } },
      });

      new Chart(document.getElementById("chart-bridge"), {
        type: "bar",
        data: {
          labels,
          datasets: [
            { label: "New", data: series("new_mrr"), backgroundColor: "#2f9e44" },
            { label: "Reactivation", data: series("reactivation_mrr"), backgroundColor: "#74b816" },
            { label: "Expansion", data: series("expansion_mrr"), backgroundColor: "#1c7ed6" },
            { label: "Contraction", data: series("contraction_mrr").map((v) => -v), backgroundColor: "#f08c00" },
            { label: "Churn", data: series("churn_mrr").map((v) => -v), backgroundColor: "#e03131" },
          ],
        },
        options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true, ticks: asMoney } } },
      });

      new Chart(document.getElementById("chart-members"), {
        type: "line",
        data: {
          labels,
          datasets: [
            { label: "Paid", data: data.months.map((m) => m.paid_members), borderColor: "#5b3cc4" },
            { label: "Free", data: data.months.map((m) => m.free_members), borderColor: "#868e96" },
          ],
        },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });

      new Chart(document.getElementById("chart-revenue"), {
        type: "bar",
        data: {
          labels,
          datasets: [
            { label: "Gross", data: series("revenue_gross"), backgroundColor: "#1c7ed6" },
            { label: "Refunds", data: series("refunds"), backgroundColor: "#e03131" },
            { label: "Fees", data: series("platform_fees"), backgroundColor: "#f08c00" },
            { label: "Net", data: series("revenue_net"), backgroundColor: "#2f9e44" },
          ],
        },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: asMoney } } },
      });
      root.dataset.rendered = "true";
    })
    .catch((error) => {
      root.insertAdjacentHTML("afterbegin", "<p class=\"notice error\" role=\"alert\">The charts could not be loaded. The tables below have the same figures.</p>");
      console.error(error);
    });
})();
