// Under a text field with a limit, how many characters are used of how many: past the limit it
// turns red and says so (the server refuses it with the same limit; nothing is ever cut).
(function () {
  "use strict";
  document.querySelectorAll("[data-counter-max]").forEach(function (field) {
    var counter = document.getElementById(field.id + "-count");
    if (!counter) { return; }
    var max = Number(field.dataset.counterMax);
    // The counter says when it is too long and the server refuses it: a pasted text is not cut short.
    field.removeAttribute("maxlength");
    var format = new Intl.NumberFormat("en-US");
    function show() {
      var used = field.value.length;
      counter.textContent = used > max
        ? format.format(used) + " of " + format.format(max) + " characters: " + format.format(used - max) + " too many."
        : format.format(used) + " of " + format.format(max) + " characters.";
      counter.classList.toggle("field-error", used > max);
    }
    field.addEventListener("input", show);
    show();
  });
})();
