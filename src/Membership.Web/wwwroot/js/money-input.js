// Shows, under each price field, the amount the site will read from what was typed, with the
// same rules as the server (MoneyFormat.TryParse): one decimal point or comma, at most the
// currency's decimals, no thousands separators. So "5,00" reads back as 5.00 before saving.
(function () {
  "use strict";

  function parse(text, exponent, code, symbol) {
    text = text.trim();
    if (symbol && text.startsWith(symbol)) { text = text.slice(symbol.length).trim(); }
    if (text.toUpperCase().endsWith(code)) { text = text.slice(0, -code.length).trim(); }
    if (text === "") { return null; }
    var separators = (text.match(/[.,]/g) || []).length;
    var at = text.search(/[.,]/);
    var after = at >= 0 ? text.slice(at + 1) : "";
    var grouped = at >= 0 && after.length === 3 && exponent !== 3 && (text[at] === "," || exponent === 0) && /^\d+$/.test(after);
    if (separators > 1 || grouped || /[\s'\u00a0\u202f]/.test(text)) { return { error: "Write the amount without thousands separators." }; }
    var parts = text.replace(",", ".").split(".");
    if (!/^\d+$/.test(parts[0]) || (parts.length === 2 && !/^\d+$/.test(parts[1]))) { return { error: "That is not an amount." }; }
    var fraction = parts.length === 2 ? parts[1] : "";
    if (fraction.length > exponent) {
      return { error: exponent === 0 ? code + " amounts have no decimals." : code + " amounts have at most " + exponent + " decimals." };
    }
    return { value: Number(parts[0] + "." + (fraction || "0")) };
  }

  document.querySelectorAll("input[data-money-currency]").forEach(function (input) {
    var hint = document.getElementById(input.id + "-understood");
    if (!hint) { return; }
    var code = input.dataset.moneyCurrency;
    var exponent = Number(input.dataset.moneyExponent);
    var symbol = input.dataset.moneySymbol || "";
    var format = new Intl.NumberFormat("en-US", { style: "currency", currency: code, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    function show() {
      var result = parse(input.value, exponent, code, symbol);
      hint.textContent = result === null ? "" : result.error ? result.error : "Read as " + format.format(result.value) + ".";
      hint.classList.toggle("field-error", !!(result && result.error));
    }
    input.addEventListener("input", show);
    show();
  });
})();
