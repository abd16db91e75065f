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
    if (response.ok) {
      target.innerHTML = await response.text();
      return;
    }
    // A 400 says why the post cannot be shown (too long, nested too deep): shown as text, never as HTML.
    const message = document.createElement('p');
    message.className = 'field-error';
    message.textContent = response.status === 400 ? await response.text() : 'Preview unavailable.';
    target.replaceChildren(message);
  }

  source.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();
})();
