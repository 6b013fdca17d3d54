/* frontdesk.js: small progressive enhancements. Loaded with defer; no globals. */
(function () {
  'use strict';

  function openUserMenus() {
    return document.querySelectorAll('details.user-menu[open]');
  }

  // Close an open user menu when clicking anywhere outside it, or on one of its
  // entries (a "Portal" link opening another tab leaves this page in place).
  document.addEventListener('click', function (event) {
    openUserMenus().forEach(function (menu) {
      var items = menu.querySelector('.user-menu__items');
      if (!menu.contains(event.target) || (items && items.contains(event.target))) {
        menu.open = false;
      }
    });
  });

  // Escape closes an open user menu and returns focus to its summary
  // (unless the user has already moved focus somewhere else on the page).
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' && event.key !== 'Esc') {
      return;
    }
    openUserMenus().forEach(function (menu) {
      var active = document.activeElement;
      var focusWasInMenu = !active || active === document.body || menu.contains(active);
      menu.open = false;
      var summary = menu.querySelector('summary');
      if (summary && focusWasInMenu) {
        summary.focus();
      }
    });
  });

  // A form that came back opens focused on its first invalid field (autofocus, no script
  // needed); centring it also shows the field's label and its error.
  window.addEventListener('load', function () {
    var invalid = document.querySelector('.field--invalid [autofocus]');
    if (invalid) {
      invalid.scrollIntoView({ block: 'center' });
    }
  });

  // A link in a form's error summary moves the focus to its field, not only the view.
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('.error-summary a[href^="#"]');
    var field = link && document.getElementById(link.getAttribute('href').slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });

  // The login form reports the browser's time zone: a user who has none yet gets it.
  document.querySelectorAll('input[data-browser-time-zone]').forEach(function (input) {
    try {
      input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (error) {
      input.value = '';
    }
  });

  // The footer's language picker switches as soon as a language is chosen (its button
  // stays for browsers without JavaScript).
  document.querySelectorAll('select[data-submit-on-change]').forEach(function (select) {
    var button = select.form && select.form.querySelector('button[type="submit"]');
    if (button) {
      button.hidden = true;
    }
    select.addEventListener('change', function () {
      select.form.submit();
    });
  });

  // <form data-confirm="Really delete?"> asks before submitting.
  // Capture phase, so a refusal also stops any other submit handlers.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-confirm')) {
      return;
    }
    if (!window.confirm(form.dataset.confirm || 'Are you sure?')) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
