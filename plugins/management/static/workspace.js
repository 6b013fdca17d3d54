/* workspace.js: the agents' workspace. Loaded with defer; no globals, no inline script
   (the Content-Security-Policy forbids it). Everything here has a server-side fallback. */
(function () {
  'use strict';

  // Canned replies: "Insert" puts the chosen text into the reply box at the cursor
  // instead of posting the form (without JavaScript the server does the same).
  function insertAtCursor(box, text) {
    var start = box.selectionStart;
    var end = box.selectionEnd;
    var value = box.value;
    if (typeof start !== 'number' || document.activeElement !== box) {
      // Not focused: append, separated by a blank line.
      var trimmed = value.replace(/\s+$/, '');
      box.value = trimmed ? trimmed + '\n\n' + text : text;
      box.selectionStart = box.selectionEnd = box.value.length;
    } else {
      box.value = value.slice(0, start) + text + value.slice(end);
      box.selectionStart = box.selectionEnd = start + text.length;
    }
    box.dispatchEvent(new Event('input', { bubbles: true }));
    box.focus();
  }

  var lastFocusedBox = null;
  document.addEventListener('focusout', function (event) {
    if (event.target.matches && event.target.matches('textarea[data-canned-target]')) {
      lastFocusedBox = event.target;
    }
  });

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-canned-insert]');
    if (!button || !button.form) {
      return;
    }
    var form = button.form;
    var select = form.querySelector('[data-canned-select]');
    var box = form.querySelector('textarea[data-canned-target]');
    if (!select || !box) {
      return;
    }
    event.preventDefault();
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) {
      select.focus();
      return;
    }
    if (lastFocusedBox === box) {
      box.focus();  // restores the caret where the agent left it
    }
    insertAtCursor(box, option.getAttribute('data-body') || '');
    select.selectedIndex = 0;
  });

  // A form marked data-submit-once ignores a second submit while the first is on its way
  // (the server also turns a double-submitted reply into one message).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit-once')) {
      return;
    }
    if (event.defaultPrevented) {
      return;
    }
    if (form.dataset.submitting === 'yes') {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = 'yes';
  });

  // Coming back through the history: the forms may be sent again.
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-submit-once]').forEach(function (form) {
      delete form.dataset.submitting;
    });
  });
})();
