// Review charts: each <canvas data-chart> is drawn from the data table named by its
// data-table attribute, so a chart shows exactly what its accessible table shows.
// Chart.js (vendored UMD build, loaded before this module) provides window.Chart.
//
// Table conventions (see templates/review/_macros.html):
//   <thead> <th data-series="i"> names a charted column;
//   each <tbody> row: <th scope="row"> is the label, the charted <td>s carry data-value
//   ("" when the figure is withheld: the line shows a gap).
//   <tfoot> rows (whole-period totals) are not charted.

// Okabe–Ito colours (distinguishable with colour-vision differences), and a dash pattern
// and point shape per series so lines stay apart when printed in black and white.
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const DASHES = [[], [7, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 2], [12, 4]];
const POINTS = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded"];
const PRINT_SIZE = { width: 640, height: 300 };

const charts = [];

function readTable(table, maxRows) {
  const series = [...table.tHead.querySelectorAll("th[data-series]")].map((th) => ({
    name: th.textContent.trim(),
    column: th.cellIndex,
    index: Number(th.dataset.series),
  }));
  let rows = [...table.tBodies[0].rows].filter((row) => row.cells.length > 1);
  if (maxRows) rows = rows.slice(0, maxRows);
  const labels = rows.map((row) => row.cells[0].textContent.trim());
  const data = series.map((s) =>
    rows.map((row) => {
      const cell = row.cells[s.column];
      const raw = cell ? cell.dataset.value : "";
      return raw === undefined || raw === "" ? null : Number(raw);
    }),
  );
  return { series, labels, data };
}

function datasetsFor(kind, parsed, stacked) {
  return parsed.series.map((s, i) => {
    const colour = COLOURS[s.index % COLOURS.length];
    const base = { label: s.name, data: parsed.data[i], borderColor: colour, backgroundColor: colour };
    if (kind === "line") {
      return {
        ...base,
        borderWidth: 2.5,
        borderDash: DASHES[s.index % DASHES.length],
        pointStyle: POINTS[s.index % POINTS.length],
        pointRadius: 4,
        pointHoverRadius: 6,
        spanGaps: false,
        fill: false,
      };
    }
    return { ...base, borderWidth: 1, borderColor: "#ffffff", stack: stacked ? "all" : undefined };
  });
}

function optionsFor(canvas, kind) {
  const horizontal = canvas.dataset.horizontal === "true";
  const stacked = canvas.dataset.stacked === "true";
  const valueAxis = {
    beginAtZero: true,
    stacked,
    ticks: { color: "#1d2330", precision: 0 },
    grid: { color: "#d5d9e0" },
  };
  if (canvas.dataset.yMin !== undefined) valueAxis.min = Number(canvas.dataset.yMin);
  if (canvas.dataset.yMax !== undefined) valueAxis.max = Number(canvas.dataset.yMax);
  if (valueAxis.max !== undefined && valueAxis.max <= 5) valueAxis.ticks = { color: "#1d2330", stepSize: 1 };
  const labelAxis = { stacked, ticks: { color: "#1d2330", autoSkip: true }, grid: { display: false } };
  return {
    type: kind,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
      indexAxis: horizontal ? "y" : "x",
      interaction: { mode: "index", intersect: false },
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      plugins: {
        legend: {
          display: true,
          position: "bottom",
          labels: { color: "#1d2330", usePointStyle: kind === "line", boxWidth: 28 },
        },
        tooltip: { enabled: true },
      },
    },
  };
}

function draw(canvas) {
  const table = document.getElementById(canvas.dataset.table);
  if (!table || !table.tHead || !table.tBodies.length) return;
  const kind = canvas.dataset.chart === "line" ? "line" : "bar";
  const maxRows = Number(canvas.dataset.maxRows || 0);
  const parsed = readTable(table, maxRows);
  if (!parsed.series.length || !parsed.labels.length) return;
  const config = optionsFor(canvas, kind);
  config.data = { labels: parsed.labels, datasets: datasetsFor(kind, parsed, canvas.dataset.stacked === "true") };
  if (canvas.dataset.horizontal === "true") {
    // One bar per row (at most a dozen): give each row room.
    canvas.parentElement.classList.add("chart-area-tall");
  }
  const chart = new window.Chart(canvas, config);
  charts.push(chart);
  canvas.dataset.chartReady = "true";
}

function forPrint(printing) {
  for (const chart of charts) {
    if (printing) chart.resize(PRINT_SIZE.width, PRINT_SIZE.height);
    else chart.resize();
  }
}

function init() {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  if (!window.Chart) return; // the tables carry every figure on their own
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.font.size = 13;
  window.Chart.defaults.color = "#1d2330";
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) draw(canvas);
  window.addEventListener("beforeprint", () => forPrint(true));
  window.addEventListener("afterprint", () => forPrint(false));
  const media = window.matchMedia ? window.matchMedia("print") : null;
  if (media && media.addEventListener) media.addEventListener("change", (e) => forPrint(e.matches));
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
