// The summary's print button (no inline handlers under the CSP).
document.getElementById("print-summary")?.addEventListener("click", () => window.print());
