// Passkeys (WebAuthn) for the forms marked data-passkey="create" (settings) or "request" (sign in):
// asks the site for the options, lets the browser make or use a passkey, puts its answer in the
// form's hidden "credential" field and sends the form. The form carries the antiforgery token.
(function () {
    'use strict';
    var forms = document.querySelectorAll('form[data-passkey]');
    var supported = !!(window.PublicKeyCredential
        && PublicKeyCredential.parseCreationOptionsFromJSON
        && PublicKeyCredential.parseRequestOptionsFromJSON);

    forms.forEach(function (form) {
        var status = form.querySelector('[data-passkey-status]');
        var button = form.querySelector('button[type="submit"]');
        var say = function (text) { if (status) { status.textContent = text; } };
        if (!supported) {
            say('This browser cannot use passkeys.');
            button.disabled = true;
            return;
        }

        form.addEventListener('submit', async function (event) {
            event.preventDefault();
            var creating = form.dataset.passkey === 'create';
            var token = form.querySelector('input[name="__RequestVerificationToken"]').value;
            button.disabled = true;
            say(creating ? 'Follow your browser to make the passkey…' : 'Follow your browser to choose your passkey…');
            try {
                var response = await fetch(form.dataset.optionsUrl, {
                    method: 'POST',
                    credentials: 'same-origin',
                    body: new URLSearchParams({ __RequestVerificationToken: token }),
                });
                if (!response.ok) {
                    throw new Error('The site answered ' + response.status);
                }

                var options = await response.json();
                var credential = creating
                    ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
                    : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
                form.querySelector('input[name="credential"]').value = JSON.stringify(credential);
                HTMLFormElement.prototype.submit.call(form);
            } catch (error) {
                button.disabled = false;
                say(error && error.name === 'NotAllowedError'
                    ? 'No passkey was used. Try again, or use another way to sign in.'
                    : 'The passkey did not work. Try again, or use another way to sign in.');
            }
        });
    });
})();
