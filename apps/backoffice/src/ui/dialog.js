// Dialogs over the page: a plain one, and a form that says what went wrong or closes when done.
import { h } from './format.js';

/** A modal over the page; returns its close function. */
export function dialog(title, body, testid) {
  const onkey = (e) => {
    if (e.key === 'Escape') close();
  };
  const close = () => {
    back.remove();
    document.removeEventListener('keydown', onkey);
  };
  document.addEventListener('keydown', onkey);
  const back = h(
    'div',
    {
      class: 'modal-back',
      onclick: (e) => {
        if (e.target === back) close();
      },
    },
    h(
      'div',
      { class: 'modal', 'data-testid': testid },
      h(
        'div',
        { class: 'modal-head' },
        h('h2', {}, title),
        h('button', { class: 'link', onclick: close }, '✕'),
      ),
      body,
    ),
  );
  document.body.append(back);
  return close;
}

/**
 * A form in a dialog: its fields, one submit button, and the action it runs; the server's refusal
 * is shown in the form, success closes it.
 */
export function formDialog({ title, testid, fields, submit, submitTestid, action }) {
  const err = h('div', { class: 'form-error' });
  let close = () => undefined;
  const form = h(
    'form',
    {
      class: 'form',
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        try {
          await action();
          close();
        } catch (x) {
          err.textContent = x.message;
        }
      },
    },
    fields,
    err,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { class: 'primary', type: 'submit', 'data-testid': submitTestid }, submit),
    ),
  );
  close = dialog(title, form, testid);
  return close;
}
