// Typesets every span.math of the page from its text (never its HTML), one by one, then records on
// <body> that MathJax is done and how many formulas it could not typeset (data-mathjax-errors).
// MathJax calls window.deriveTypeset when it is ready (static/mathjax-config.js).
(function () {
  'use strict';
  function finish(state, errors) {
    document.body.dataset.mathjaxErrors = String(errors);
    document.body.dataset.mathjax = state;
  }
  window.deriveTypeset = function () {
    var spans = Array.prototype.slice.call(document.querySelectorAll('span.math'));
    var errors = 0;
    var chain = Promise.resolve();
    spans.forEach(function (span) {
      chain = chain.then(function () {
        return window.MathJax.tex2svgPromise(span.textContent, {display: span.dataset.display === '1'})
          .then(function (node) {
            if (node.querySelector('[data-mjx-error], mjx-merror, merror')) {
              errors += 1;
              span.classList.add('math-error');
              span.title = 'MathJax could not typeset this formula';
              return;
            }
            span.textContent = '';
            span.appendChild(node);
            span.classList.add('typeset');
          }, function () {
            errors += 1;
            span.classList.add('math-error');
          });
      });
    });
    return chain.then(function () {
      window.MathJax.startup.document.updateDocument();
      finish('done', errors);
    }, function () { finish('failed', errors); });
  };
  window.addEventListener('load', function () {
    if (!window.MathJax || !window.MathJax.startup) {
      finish('missing', 0);
    }
  });
})();
