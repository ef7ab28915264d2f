// base.js: Constants and small helpers every part uses: elements from data (textContent only),
// safe links, text checks, vocabulary labels. (Dates are ordered in Python only.)

  var GLYPH_TOLERANCE = 4; // extra pixels around a glyph that still count as a click on it
  var STACK_MAX = 12; // sites a click on overlapping glyphs offers to choose from
  var LIST_PAGE = 100; // list items shown at once (the list pages at 100,000 sites)
  var MAX_FOCUS_ZOOM = 16;
  var CIRCLE_BATCH = 256; // precision circles filled as one path
  var CONTEXT_FILL = 0.3; // country fill over a basemap (0.92 without one)

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return parent;
  }

  // Text from the layer: isolated from its surroundings (bidi), direction from its content.
  function dataText(tag, cls, text) {
    var node = el(tag, cls, text);
    node.dir = 'auto';
    return node;
  }

  function safeHref(value) {
    if (typeof value !== 'string') return null;
    var url;
    try {
      url = new URL(value);
    } catch (err) {
      return null;
    }
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  }

  // A link when the URL is http(s), plain text otherwise.
  function link(url, text, cls) {
    var href = safeHref(url);
    if (!href) return dataText('span', cls, text);
    var a = dataText('a', cls, text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  function escapeHTML(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function isText(value) {
    return typeof value === 'string' && value.length > 0;
  }

  function asArray(value) {
    return Array.isArray(value) ? value : [];
  }

  function label(group, key) {
    var table = VOCAB.labels[group] || {};
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : String(key);
  }

