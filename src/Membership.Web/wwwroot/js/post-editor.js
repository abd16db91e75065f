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

// Inserting a post's file where the cursor is: upload it from the editor (no page reload, so
// nothing typed is lost) or pick one already attached; an image asks for its alt text first.
(function () {
  const body = document.querySelector('textarea[data-preview-target]');
  const upload = document.querySelector('[data-insert-upload]');
  const picker = document.getElementById('insert-file-input');
  const status = document.getElementById('insert-file-status');
  const dialog = document.getElementById('alt-text-dialog');
  const token = document.querySelector('input[name="__RequestVerificationToken"]');
  if (!body || !dialog) return;
  const altInput = document.getElementById('alt-text-input');
  const altError = document.getElementById('alt-text-error');
  const decorative = document.getElementById('alt-text-decorative');
  // Where the cursor was when the creator went to choose a file (the dialog takes the focus).
  let selection = { start: body.value.length, end: body.value.length };
  let pendingImage = null;

  function remember() { selection = { start: body.selectionStart, end: body.selectionEnd }; }
  body.addEventListener('keyup', remember);
  body.addEventListener('mouseup', remember);
  body.addEventListener('input', remember);
  body.addEventListener('blur', remember);

  // Markdown's link text: brackets and backslashes escaped, on one line.
  function escapeText(text) { return text.replace(/[\r\n]+/g, ' ').replace(/([\\\[\]])/g, '\\$1').trim(); }

  function insert(markdown) {
    const before = body.value.slice(0, selection.start);
    const after = body.value.slice(selection.end);
    // An image or link on its own line reads best in the Markdown and renders as its own paragraph.
    const lead = before.length === 0 || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
    const trail = after.startsWith('\n\n') ? '' : after.startsWith('\n') || after.length === 0 ? '\n' : '\n\n';
    const text = lead + markdown + trail;
    body.focus();
    body.setRangeText(text, selection.start, selection.end, 'end');
    remember();
    body.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function offer(file) {
    if (file.image) {
      pendingImage = file;
      altInput.value = '';
      altError.textContent = '';
      decorative.checked = false;
      dialog.showModal();
      altInput.focus();
    } else {
      insert('[' + escapeText(file.name) + '](' + file.url + ')');
    }
  }

  dialog.addEventListener('close', function () {
    if (dialog.returnValue === 'insert' && pendingImage) {
      insert('![' + (decorative.checked ? '' : escapeText(altInput.value)) + '](' + pendingImage.url + ')');
    }
    pendingImage = null;
  });
  dialog.querySelector('button[value="insert"]').addEventListener('click', function (event) {
    if (!decorative.checked && altInput.value.trim() === '') {
      event.preventDefault();
      altError.textContent = 'Describe the image, or tick "only decoration".';
      altInput.focus();
    }
  });

  document.querySelectorAll('[data-insert-url]').forEach(function (button) {
    button.addEventListener('click', function () {
      offer({ url: button.dataset.insertUrl, name: button.dataset.insertName, image: button.dataset.insertImage === 'true' });
    });
  });

  if (!upload || !picker) return;
  upload.addEventListener('click', function () { remember(); picker.click(); });
  picker.addEventListener('change', async function () {
    const chosen = picker.files && picker.files[0];
    if (!chosen) return;
    const form = new FormData();
    form.append('file', chosen);
    upload.disabled = true;
    status.className = 'hint';
    status.textContent = 'Uploading ' + chosen.name + '…';
    let uploaded = null;
    try {
      const response = await fetch(upload.dataset.insertUpload, {
        method: 'POST',
        headers: { 'RequestVerificationToken': token ? token.value : '', 'Accept': 'application/json' },
        body: form,
        credentials: 'same-origin',
      });
      const answer = await response.json().catch(function () { return { error: 'The upload failed (' + response.status + '). Try again.' }; });
      if (!response.ok) {
        status.className = 'hint field-error';
        status.textContent = answer.error || 'The upload failed. Try again.';
        return;
      }
      status.textContent = answer.fileName + ' is attached.';
      uploaded = { url: answer.url, name: answer.fileName, image: answer.isImage };
    } catch (e) {
      status.className = 'hint field-error';
      status.textContent = 'The upload did not reach the site. Check the connection and try again.';
    } finally {
      upload.disabled = false;
      picker.value = '';
    }
    if (uploaded) offer(uploaded);
  });
})();
