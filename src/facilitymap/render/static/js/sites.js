// sites.js: Sites as the page holds them: Web Mercator projection of points and areas, the prepared
// site records, and their normalised search text.

  // ---------------------------------------------------------------- sites
  var MAX_LAT = 85.0511287798;

  // Normalised Web Mercator: x and y in [0, 1], y down (Leaflet's at zoom 0, over 256).
  function mercatorX(lon) {
    return lon / 360 + 0.5;
  }

  function mercatorY(lat) {
    var phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
  }

  function projectRings(geometry) {
    // Rings (or lines) of an area geometry as flat arrays of normalised Mercator x, y.
    var type = geometry && geometry.type;
    var parts = [];
    var polys;
    if (type === 'Polygon') polys = [geometry.coordinates];
    else if (type === 'MultiPolygon') polys = geometry.coordinates;
    else if (type === 'LineString') polys = [[geometry.coordinates]];
    else if (type === 'MultiLineString') polys = [geometry.coordinates];
    else return { parts: parts, closed: false };
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    asArray(polys).forEach(function (rings) {
      asArray(rings).forEach(function (ring) {
        var flat = new Float64Array(asArray(ring).length * 2);
        asArray(ring).forEach(function (pos, k) {
          var x = mercatorX(+pos[0]);
          var y = mercatorY(+pos[1]);
          flat[2 * k] = x;
          flat[2 * k + 1] = y;
          box[0] = Math.min(box[0], x);
          box[1] = Math.min(box[1], y);
          box[2] = Math.max(box[2], x);
          box[3] = Math.max(box[3], y);
        });
        parts.push(flat);
      });
    });
    return { parts: parts, closed: type === 'Polygon' || type === 'MultiPolygon', box: box };
  }

  var NO_STEPS = [];

  function prepareSites(records) {
    var statusIndex = {};
    VOCAB.statuses.forEach(function (s, i) {
      statusIndex[s.key] = i;
    });
    var confIndex = {};
    VOCAB.confidence.forEach(function (c, i) {
      confIndex[c.key] = i;
    });
    var fallbackStatus = VOCAB.statuses.length - 1;
    var has = Object.prototype.hasOwnProperty;
    var sites = new Array(records.length);
    for (var i = 0; i < records.length; i++) {
      var record = records[i];
      var p = record.properties && typeof record.properties === 'object' ? record.properties : {};
      var loc = p.location && typeof p.location === 'object' ? p.location : {};
      var centre = Array.isArray(record.c) ? record.c : null;
      var site = {
        i: i,
        id: String(record.id),
        p: p,
        full: false, // p holds the index's few properties until the site's details are read
        deciding: asArray(record.deciding_claims),
        officialWords: isText(record.official_words) ? record.official_words : '',
        later: +record.later_claims || 0,
        // The status from each claim date on (Python's facilitymap.status): [day, status,
        // official_status, evidence, claims known, deciding claim ids, official words];
        // read from fm-steps after the first draw (see timeline.js).
        steps: NO_STEPS,
        hidden: record.hidden === true, // not on the map at its own date (the status filter)
        present: true, // on the map at the timeline's date
        known: -1, // claims (in page order) known at the timeline's date; -1: all given
        official: null, // official position and evidence at the timeline's date, when set
        evidence: null,
        changes: asArray(record.changes).filter(isText), // since the version of --since
        status: has.call(statusIndex, p.status) ? statusIndex[p.status] : fallbackStatus,
        conf: has.call(confIndex, p.confidence) ? confIndex[p.confidence] : 0,
        located: false,
        lon: NaN,
        lat: NaN,
        mx: NaN,
        my: NaN,
        radius: +loc.precision_m > 0 ? +loc.precision_m : 0,
        area: null,
        areaRadius: 0,
        geometry: record.g || null,
        name: isText(p.name) ? p.name : String(record.id),
        words: null, // its search words, once read (searchText)
        search: null, // made at the first search (searchText)
      };
      if (centre && isFinite(centre[0]) && isFinite(centre[1])) {
        site.located = true;
        site.lon = +centre[0];
        site.lat = +centre[1];
        site.mx = mercatorX(site.lon);
        site.my = mercatorY(site.lat);
        if (record.g) {
          site.area = projectRings(record.g);
          // An area's "radius": half its bounding box's diagonal, in metres, so links and
          // zooms never show it closer than its size justifies.
          var box = site.area.box;
          var metres = 40075016.686 * Math.cos((site.lat * Math.PI) / 180);
          site.areaRadius = (Math.hypot(box[2] - box[0], box[3] - box[1]) * metres) / 2;
        }
      }
      sites[i] = site;
    }
    return sites;
  }

  // A site's search words (fm-search, read after the first draw; Python's
  // facilitymap.render.payload.SiteSearch): [its local names, admin1, admin2, admin3].
  var SEARCH_LOCAL_NAMES = 0;
  var SEARCH_ADMIN1 = 1;
  var SEARCH_ADMIN2 = 2;
  var SEARCH_ADMIN3 = 3;

  // A site's names, id and places, normalised for search. Made at the first search, not
  // before the first draw: Unicode normalisation of 100,000 sites' names takes a while.
  // Until the search words are read, what its properties hold (the index: its name; its
  // details, once read: all of them).
  function searchText(site) {
    if (site.search === null) {
      var p = site.p;
      var names = [p.name, site.id];
      var words = site.words;
      if (words) {
        names = names.concat(asArray(words[SEARCH_LOCAL_NAMES]), [
          words[SEARCH_ADMIN1],
          words[SEARCH_ADMIN2],
          words[SEARCH_ADMIN3],
        ]);
      } else {
        names.push(p.admin1, p.admin2, p.admin3);
        asArray(p.local_names).forEach(function (n) {
          if (n && typeof n === 'object') names.push(n.name);
        });
      }
      site.search = normalise(names.filter(isText).join(' \u0000 '));
    }
    return site.search;
  }

  function normalise(text) {
    return String(text)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  }

