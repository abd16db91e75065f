// Live preview for the post editor: the server renders and sanitises the Markdown exactly as
// it will on save, so the preview never runs anything the saved post would not.
(function () {
  const source = document.querySelector('textarea[data-preview-target]');
  if (!source) return;
  const target = document.getElementById(source.dataset.previewTarget);
  const token = document.querySelector('input[name="__RequestVerificationToken"]');
  let timer = null;
  let sent = 0;

  async function render() {
    const ticket = ++sent;
    const body = new URLSearchParams({ body: source.value });
    const response = await fetch(source.dataset.previewUrl, {
      method: 'POST',
      headers: { 'RequestVerificationToken': token ? token.value : '' },
      body: body,
      credentials: 'same-origin',
    });
    if (ticket !== sent) return;
    target.innerHTML = response.ok ? await response.text() : '<p class="field-error">Preview unavailable.</p>';
  }

  source.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();
})();
