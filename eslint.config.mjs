// ESLint for the map page's script. Its parts (src/facilitymap/render/static/js) are joined
// into one closure by facilitymap.render.assets.page_script; open.js and close.js hold that
// closure and are not valid alone. Each other part is linted as a script in strict mode whose
// globals are the browser's, Leaflet's `L`, and the top-level names the other parts declare,
// so a name no part defines is still an error across files.
import fs from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import globals from 'globals';

const PARTS = 'src/facilitymap/render/static/js';
// The tiled map's data source (facilitymap.render.tiled joins it with the parts above).
const TILED = 'src/facilitymap/render/static/tiles';
const WRAPPERS = ['open.js', 'close.js'];
// Top-level declarations sit at the closure's indentation (two spaces).
const DECLARATION = /^ {2}(?:function\s+([A-Za-z_$][\w$]*)|var\s+([A-Za-z_$][\w$]*))/gm;

const parts = [
  ...fs.readdirSync(PARTS).filter((name) => name.endsWith('.js') && !WRAPPERS.includes(name)).map((name) => `${PARTS}/${name}`),
  ...fs.readdirSync(TILED).filter((name) => name.endsWith('.js')).map((name) => `${TILED}/${name}`),
];
const declared = Object.fromEntries(
  parts.map((name) => {
    const text = fs.readFileSync(name, 'utf8');
    return [name, [...text.matchAll(DECLARATION)].map((m) => m[1] || m[2])];
  }),
);

function othersOf(name) {
  const names = {};
  for (const [other, list] of Object.entries(declared)) {
    if (other !== name) for (const n of list) names[n] = 'writable';
  }
  return names;
}

export default [
  { ignores: ['node_modules/', 'outputs/', '.venv/', 'bench/out/', ...WRAPPERS.map((w) => `${PARTS}/${w}`)] },
  {
    files: [`${PARTS}/*.js`, `${TILED}/*.js`],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: 'script',
      parserOptions: { ecmaFeatures: { impliedStrict: true } },
      globals: { ...globals.browser, L: 'readonly' },
    },
    rules: {
      ...js.configs.recommended.rules,
      // A part's top-level names are used by the other parts.
      'no-unused-vars': ['error', { vars: 'local', args: 'none', caughtErrors: 'none' }],
      eqeqeq: ['error', 'smart'],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Data enters the page through textContent only.' },
        { property: 'outerHTML', message: 'Data enters the page through textContent only.' },
        { property: 'insertAdjacentHTML', message: 'Data enters the page through textContent only.' },
      ],
    },
  },
  ...parts.map((name) => ({
    files: [name],
    languageOptions: { globals: othersOf(name) },
  })),
];
