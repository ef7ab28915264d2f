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
  var NO_CHANGES = [];

  // A site's properties: all of them once its details are read; until then (or on a page
  // without details) the few the index holds.
  function siteProperties(site) {
    if (site.p === null) {
      var conf = VOCAB.confidence[site.conf];
      var p = { name: site.name, status: VOCAB.statuses[site.status].key, confidence: conf ? conf.key : null };
      if (site.radius) p.location = { precision_m: site.radius };
      site.p = p;
    }
    return site.p;
  }

  // The index (Python's facilitymap.render.payload.PageSite) as columns: one array per
  // field, site i at position i (c: its lon at 2i, lat at 2i + 1); a column the page does
  // not hold is its default for every site. A third fewer bytes than an object per site,
  // and none of the objects to parse.
  function column(columns, name) {
    var values = columns[name];
    return Array.isArray(values) ? values : [];
  }

  function prepareSites(columns) {
    columns = columns && typeof columns === 'object' ? columns : {};
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
    var ids = column(columns, 'id');
    var centres = column(columns, 'c');
    var areas = column(columns, 'g');
    var names = column(columns, 'name');
    var statuses = column(columns, 'status');
    var confidences = column(columns, 'confidence');
    var precisions = column(columns, 'precision_m');
    var deciding = column(columns, 'deciding_claims');
    var officialWords = column(columns, 'official_words');
    var later = column(columns, 'later_claims');
    var changes = column(columns, 'changes');
    var hidden = column(columns, 'hidden');
    var sites = new Array(ids.length);
    for (var i = 0; i < ids.length; i++) {
      var id = String(ids[i]);
      var name = isText(names[i]) ? names[i] : id;
      var status = statuses[i];
      var conf = confidences[i];
      var statusIndexed = has.call(statusIndex, status) ? statusIndex[status] : fallbackStatus;
      var decidingClaims = asArray(deciding[i]);
      var words = isText(officialWords[i]) ? officialWords[i] : '';
      var site = {
        i: i,
        id: id,
        // Its properties once its details are read (made from the index until then, when
        // asked: siteProperties). Each object made here survives the young generation's
        // collections, and they were 0.3 s of a 100,000-site page's start.
        p: null,
        full: false, // p holds the index's few properties until the site's details are read
        deciding: decidingClaims,
        officialWords: words,
        later: +later[i] || 0,
        // The status from each claim date on (Python's facilitymap.status): [day, status,
        // official_status, evidence, claims known, deciding claim ids, official words];
        // read from fm-steps after the first draw (see timeline.js).
        steps: NO_STEPS,
        // What the index says (the map's date), kept while a timeline date is shown. Every
        // member is made here: one added later gives each of 100,000 sites a new store.
        indexStatus: statusIndexed,
        indexDeciding: decidingClaims,
        indexWords: words,
        hidden: hidden[i] === true, // not on the map at its own date (the status filter)
        present: true, // on the map at the timeline's date
        known: -1, // claims (in page order) known at the timeline's date; -1: all given
        official: null, // official position and evidence at the timeline's date, when set
        evidence: null,
        changes: changes[i] ? asArray(changes[i]).filter(isText) : NO_CHANGES, // since --since
        status: statusIndexed,
        conf: has.call(confIndex, conf) ? confIndex[conf] : 0,
        located: false,
        lon: NaN,
        lat: NaN,
        mx: NaN,
        my: NaN,
        radius: +precisions[i] > 0 ? +precisions[i] : 0,
        area: null,
        areaRadius: 0,
        geometry: areas[i] || null,
        name: name,
        words: null, // its search words, once read (searchText)
        search: null, // made at the first search (searchText)
      };
      var lon = centres[2 * i];
      var lat = centres[2 * i + 1];
      if (lon != null && lat != null && isFinite(lon) && isFinite(lat)) {
        site.located = true;
        site.lon = +lon;
        site.lat = +lat;
        site.mx = mercatorX(site.lon);
        site.my = mercatorY(site.lat);
        if (site.geometry) {
          site.area = projectRings(site.geometry);
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

  // One site from a record of the index's fields (a PageSite as an object: what the tiled
  // map's tiles, search entries and details files give).
  var INDEX_FIELDS = ['id', 'g', 'name', 'status', 'confidence', 'precision_m', 'deciding_claims',
    'official_words', 'later_claims', 'changes', 'hidden'];
  function siteOfRecord(record) {
    var columns = { c: Array.isArray(record.c) ? record.c.slice(0, 2) : [] };
    INDEX_FIELDS.forEach(function (field) {
      columns[field] = [record[field]];
    });
    return prepareSites(columns)[0];
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
      var p = siteProperties(site);
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

