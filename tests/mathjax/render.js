// Reads a JSON array of TeX strings on stdin; renders each with MathJax 3 (TeX input, SVG output) with a
// formatError that throws. Prints a JSON array of {tex, error} for every formula that failed; exit 1 if any.
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: AllPackages.filter((name) => !['bussproofs', 'noundefined', 'noerrors'].includes(name)),
  formatError: (jax, err) => { throw err; },
});
const svg = new SVG({fontCache: 'none'});
const doc = mathjax.document('', {InputJax: tex, OutputJax: svg});

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const formulas = JSON.parse(input);
  const failures = [];
  for (const formula of formulas) {
    try {
      const node = doc.convert(formula, {display: false});
      const html = adaptor.outerHTML(node);
      if (html.includes('data-mjx-error') || html.includes('merror')) {
        failures.push({tex: formula, error: 'merror in output'});
      }
    } catch (err) {
      failures.push({tex: formula, error: String(err && err.message ? err.message : err)});
    }
  }
  process.stdout.write(JSON.stringify(failures));
  process.exit(failures.length ? 1 : 0);
});
