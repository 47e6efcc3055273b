// MathJax 3 configuration for the page of `derive serve` (loaded before /mathjax/tex-svg.js).
// MathJax never scans the page (startup.typeset is false): when it is ready it calls
// window.deriveTypeset (static/page.js), which typesets the text of each span.math element. The html
// extension (\class, \style, \href, \cssId) and \require are disabled, and extensions are loaded from
// this server only.
window.MathJax = {
  loader: {load: ['ui/safe']},
  startup: {
    typeset: false,
    pageReady: function () {
      return window.MathJax.startup.defaultPageReady().then(function () {
        if (window.deriveTypeset) {
          return window.deriveTypeset();
        }
        return null;
      });
    },
  },
  tex: {
    packages: {'[-]': ['require']},
    autoload: {html: [], require: []},
  },
  options: {enableMenu: false, enableAssistiveMml: false},
  svg: {fontCache: 'global'},
};
