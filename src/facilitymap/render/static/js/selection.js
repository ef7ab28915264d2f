// selection.js: The selection ring around the chosen site, and StatusToggle: the layer-control entry
// that shows or hides one status category.

  // ---------------------------------------------------------------- the selection ring
  // A ring around the selected site's glyph, on its own small canvas above the sites, so
  // selecting a site redraws no site (at 100,000 sites a full redraw takes most of a second).
  function ringIcon(statusIndex) {
    var radius = VOCAB.statuses[statusIndex].size * 1.3 + 6;
    var half = Math.ceil(radius + 3); // the white ring reaches 2.5 px past the radius
    var ratio = window.devicePixelRatio || 1;
    var canvas = document.createElement('canvas');
    canvas.className = 'fm-ring';
    canvas.width = canvas.height = Math.round(2 * half * ratio);
    canvas.style.width = canvas.style.height = 2 * half + 'px';
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, half * ratio, half * ratio);
    ctx.beginPath();
    ctx.arc(0, 0, radius, 0, 2 * Math.PI);
    ctx.lineWidth = 5;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = '#000000';
    ctx.stroke();
    return L.divIcon({ html: canvas, className: 'fm-ring-icon', iconSize: [2 * half, 2 * half] });
  }

  // A layer-control entry that shows or hides one status category on the site canvas.
  var StatusToggle = L.Layer.extend({
    initialize: function (app, statusIndex) {
      this._app = app;
      this.statusIndex = statusIndex;
    },
    onAdd: function () {
      this._app.setStatusVisible(this.statusIndex, true);
    },
    onRemove: function () {
      this._app.setStatusVisible(this.statusIndex, false);
    },
  });

