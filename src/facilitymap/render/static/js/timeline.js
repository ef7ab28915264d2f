// timeline.js: The timeline: each site's status at a chosen date, from the steps Python's
// facilitymap.status computed (no status rule here); the slider, play button and the redraw
// of the map, legend counts, list and details that a date change makes.

  // ---------------------------------------------------------------- timeline
  // A step is [day, status, official_status, evidence, claims known, deciding claim ids,
  // official words] (facilitymap.maps.PageStep), day an ISO date (YYYY-MM-DD), so days compare as strings. A site's state at a date is
  // its last step on or before it; before its first step it was not on record.
  var STEP_DATE = 0;
  var STEP_STATUS = 1;
  var STEP_OFFICIAL_STATUS = 2;
  var STEP_EVIDENCE = 3;
  var STEP_CLAIMS = 4;
  var STEP_DECIDING_CLAIMS = 5;
  var STEP_OFFICIAL_WORDS = 6; // who holds which official position, when that says more than the label
  var PLAY_MS = 900; // time on each date while playing
  var LIST_SETTLE_MS = 120; // the list follows the date once it stops changing this long

  // The dates the timeline stops at: every day a step begins, then the map's own date.
  // Python gives them, and the statuses some date shows, in meta.timeline: the page is
  // built and drawn from the index, and reads the steps (fm-steps) after its first draw.
  App.prototype.prepareTimeline = function () {
    var statusIndex = {};
    VOCAB.statuses.forEach(function (s, i) {
      statusIndex[s.key] = i;
    });
    this.statusIndex = statusIndex;
    var wanted = asArray(this.meta.filters && this.meta.filters.statuses);
    this.onlyStatuses = wanted.length
      ? VOCAB.statuses.map(function (s) {
        return wanted.indexOf(s.key) >= 0;
      })
      : null;
    var timeline = this.meta.timeline && typeof this.meta.timeline === 'object' ? this.meta.timeline : {};
    var ever = VOCAB.statuses.map(function () {
      return 0;
    });
    asArray(timeline.statuses).forEach(function (key) {
      if (Object.prototype.hasOwnProperty.call(statusIndex, key)) ever[statusIndex[key]]++;
    });
    for (var i = 0; i < this.sites.length; i++) {
      if (!this.sites[i].hidden) ever[this.sites[i].status]++;
    }
    this.everCounts = ever; // statuses that some date shows: the layer control offers them
    this.dates = asArray(timeline.dates).filter(isText).sort();
    this.date = null; // null: the map's own date (meta.as_of, or all claims)
    this.stepsRead = false; // the sites' steps, read after the first draw (readLater)
    this.pendingDate = undefined; // a date asked for before then
    this.listTimer = null; // a list refresh waiting for the date to settle
  };

  // Reads what the page needs after its first draw, once the parser has read it: the
  // sites' search words (fm-search), then their steps (fm-steps: one list per site, in
  // index order). A search typed meanwhile is done again; a date asked for is shown.
  App.prototype.readLater = function () {
    var self = this;
    return whenParsed('fm-search')
      .then(readElement)
      .then(function (words) {
        words = asArray(words);
        for (var i = 0; i < self.sites.length; i++) {
          self.sites[i].words = Array.isArray(words[i]) ? words[i] : null;
          self.sites[i].search = null;
        }
        if (self.searchBox && self.searchBox.value) self.refreshList();
        return whenParsed('fm-steps');
      })
      .then(readElement)
      .then(function (lists) {
        lists = asArray(lists);
        for (var i = 0; i < self.sites.length; i++) self.sites[i].steps = asArray(lists[i]);
        self.stepsRead = true;
        var day = self.pendingDate;
        self.pendingDate = undefined;
        if (day !== undefined) self.setDate(day);
      });
  };

  // The date statuses are shown at: the timeline's, or the map's own (null: all claims).
  App.prototype.asOf = function () {
    return this.date || this.meta.as_of || null;
  };

  App.prototype.asOfWords = function () {
    if (this.date) return 'Status as of ' + this.date + ' (later claims ignored; timeline below the map).';
    if (this.meta.as_of) return 'Status as of ' + this.meta.as_of + ' (later claims ignored).';
    return 'Status from all claims on record' + (this.latestClaim ? ' (latest: ' + this.latestClaim + ').' : '.');
  };

  App.prototype.presentSites = function () {
    if (this.presentCount === this.sites.length) return this.sites;
    return this.sites.filter(function (s) {
      return s.present;
    });
  };

  // Sets every site's state at `day` (null: the map's own date), then the drawing order and
  // counts. `quiet`: only the state (the page is being built).
  App.prototype.applyDate = function (day, quiet) {
    var only = this.onlyStatuses;
    var statusIndex = this.statusIndex;
    var has = Object.prototype.hasOwnProperty;
    var counts = VOCAB.statuses.map(function () {
      return 0;
    });
    var present = 0;
    for (var i = 0; i < this.sites.length; i++) {
      var site = this.sites[i];
      var steps = site.steps;
      var step = null;
      if (steps.length) {
        if (day === null) step = steps[steps.length - 1];
        else {
          for (var k = steps.length - 1; k >= 0; k--) {
            if (Array.isArray(steps[k]) && steps[k][STEP_DATE] <= day) {
              step = steps[k];
              break;
            }
          }
        }
      }
      if (step) {
        site.status = has.call(statusIndex, step[STEP_STATUS]) ? statusIndex[step[STEP_STATUS]] : site.indexStatus;
        site.official = isText(step[STEP_OFFICIAL_STATUS]) ? step[STEP_OFFICIAL_STATUS] : null;
        site.evidence = isText(step[STEP_EVIDENCE]) ? step[STEP_EVIDENCE] : null;
        site.deciding = asArray(step[STEP_DECIDING_CLAIMS]);
        site.officialWords = isText(step[STEP_OFFICIAL_WORDS]) ? step[STEP_OFFICIAL_WORDS] : '';
        site.known = +step[STEP_CLAIMS] >= 0 ? +step[STEP_CLAIMS] : -1;
        site.present = !only || only[site.status];
      } else {
        // No step (or none read yet: the index's state): a site without claims is on the
        // map at its own date only, as is one the status filter hides only at earlier dates.
        site.status = site.indexStatus;
        site.deciding = site.indexDeciding;
        site.officialWords = site.indexWords;
        site.official = site.evidence = null;
        site.known = -1;
        site.present = day === null && !steps.length && !site.hidden;
      }
      if (site.present) {
        counts[site.status]++;
        present++;
      }
    }
    this.counts = counts;
    this.presentCount = present;
    this.sortForDrawing();
    if (quiet) return;
    this.siteLayer.requestDraw();
    this.updateCounts();
    this.asOfLine.textContent = this.asOfWords();
    this.updateRing();
    this.refreshDetails();
    // The list (a sort of the sites by name) once the date settles: a slider dragged or
    // playing through dates at 100,000 sites would otherwise sort at every step.
    var self = this;
    clearTimeout(this.listTimer);
    this.listTimer = setTimeout(function () {
      self.listTimer = null;
      self.refreshList();
    }, LIST_SETTLE_MS);
  };

  // Drawing order: most contested status on top, then more confident, then file order;
  // areas under glyphs, largest first. Bucketed, not sorted: a date change at 100,000 sites
  // costs a pass over them.
  App.prototype.sortForDrawing = function () {
    var n = VOCAB.statuses.length;
    var c = VOCAB.confidence.length;
    var glyphBuckets = [];
    var areaBuckets = [];
    for (var b = 0; b < n * c; b++) glyphBuckets.push([]);
    for (b = 0; b < n; b++) areaBuckets.push([]);
    var located = this.located;
    for (var k = 0; k < located.length; k++) {
      var s = located[k];
      glyphBuckets[(n - 1 - s.status) * c + Math.min(c - 1, s.conf)].push(s.i);
    }
    if (!this.areaSites) {
      this.areaSites = located
        .filter(function (s) {
          return s.area || s.radius;
        })
        .sort(function (a, b) {
          return b.radius - a.radius || a.i - b.i;
        });
    }
    for (k = 0; k < this.areaSites.length; k++) {
      var a = this.areaSites[k];
      areaBuckets[n - 1 - a.status].push(a.i);
    }
    this.glyphOrder = [].concat.apply([], glyphBuckets);
    this.areaOrder = [].concat.apply([], areaBuckets);
  };

  // Counts in the legend and the layer control follow the date.
  App.prototype.updateCounts = function () {
    var counts = this.counts;
    var container = this.map.getContainer();
    var items = container.querySelectorAll('.fm-legend-list li[data-status-index]');
    for (var k = 0; k < items.length; k++) {
      var i = +items[k].getAttribute('data-status-index');
      items[k].classList.toggle('fm-zero', !counts[i]);
      var count = items[k].querySelector('.fm-count');
      if (count) count.textContent = ' (' + counts[i] + ')';
    }
    var spans = container.querySelectorAll('.leaflet-control-layers [data-status-count]');
    for (k = 0; k < spans.length; k++) {
      spans[k].textContent = '(' + counts[+spans[k].getAttribute('data-status-count')] + ')';
    }
  };

  // The open details follow the date; a site not on record then closes them.
  App.prototype.refreshDetails = function () {
    var site = this.selected >= 0 ? this.sites[this.selected] : null;
    if (site && this.popup && this.map.hasLayer(this.popup)) {
      if (site.present) this.popup.setContent(buildDetail(site, this.meta, this.asOf()));
      else this.map.closePopup(this.popup);
    }
    if (this.panelSite && !this.detailNode.hidden) {
      var shown = this.byId.get(this.panelSite);
      if (shown && shown.present) this.showPanelDetail(shown, true);
      else this.detailNode.querySelector('.fm-detail-close').click();
    }
  };

  // Moves the timeline to `day` (an ISO date; null: the map's own date).
  App.prototype.setDate = function (day) {
    if (!this.stepsRead) {
      this.pendingDate = day; // shown once the steps are read (readLater)
      return;
    }
    if (day !== null && this.meta.as_of && day >= this.meta.as_of) day = null;
    if (day !== null && !this.meta.as_of && day >= this.dates[this.dates.length - 1]) day = null;
    if (day === this.date) return;
    this.date = day;
    this.applyDate(day);
    if (this.timeline) this.timeline.show();
    this.saveHash();
  };

  // The slider under the map: one stop per date a status can change, the last being the
  // map's own date; arrow keys step, Home and End jump; Play walks through them.
  App.prototype.addTimeline = function () {
    var self = this;
    var dates = this.dates.slice();
    var last = this.meta.as_of || null;
    if (dates.length < 1 || (dates.length < 2 && !last)) return;
    // The map's own date ends the timeline: the latest claim's day is that same state.
    var latest = dates[dates.length - 1];
    if (!last || latest >= last) dates.pop();
    var stops = dates.concat([null]); // null: the map's own date
    var bar = el('div', 'fm-timebar');
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Timeline');
    var play = el('button', 'fm-play');
    play.type = 'button';
    var slider = el('input', 'fm-slider');
    slider.type = 'range';
    slider.min = '0';
    slider.max = String(stops.length - 1);
    slider.step = '1';
    slider.value = String(stops.length - 1);
    slider.setAttribute('aria-label', 'Status as of');
    var output = el('output', 'fm-timebar-date');
    output.setAttribute('aria-hidden', 'true');
    if (stops.length <= 200) {
      var ticks = el('datalist');
      ticks.id = 'fm-timeline-ticks';
      stops.forEach(function (d, k) {
        var option = el('option');
        option.value = String(k);
        add(ticks, option);
      });
      slider.setAttribute('list', ticks.id);
      add(bar, ticks);
    }
    var endWords = last ? last + ' (this map)' : latest + ' (all claims)';
    var timer = null;
    function setPlaying(on) {
      clearInterval(timer);
      timer = null;
      play.textContent = on ? '\u275a\u275a' : '\u25b6';
      play.setAttribute('aria-label', on ? 'Pause the timeline' : 'Play the timeline');
      play.title = play.getAttribute('aria-label');
      if (!on) return;
      timer = setInterval(function () {
        var k = +slider.value + 1;
        if (k >= stops.length) {
          setPlaying(false);
          return;
        }
        slider.value = String(k);
        self.setDate(stops[k]);
      }, PLAY_MS);
    }
    play.addEventListener('click', function () {
      if (timer) {
        setPlaying(false);
        return;
      }
      if (+slider.value >= stops.length - 1) {
        slider.value = '0';
        self.setDate(stops[0]);
      }
      setPlaying(true);
    });
    // One date change per frame however fast the slider moves (a change at 100,000 sites
    // takes a good part of a frame).
    var pending = false;
    slider.addEventListener('input', function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        self.setDate(stops[+slider.value]);
      });
    });
    slider.addEventListener('keydown', function () {
      if (timer) setPlaying(false); // the reader takes over
    });
    add(bar, play, slider, output);
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.disableScrollPropagation(bar);
    var container = this.map.getContainer();
    container.appendChild(bar);
    container.classList.add('fm-has-timebar');
    this.timeline = {
      bar: bar,
      slider: slider,
      stops: stops,
      // Shows the current date: the last stop on or before it.
      show: function () {
        var k = stops.length - 1;
        if (self.date !== null) {
          k = 0;
          for (var j = 0; j < stops.length - 1; j++) if (stops[j] <= self.date) k = j;
        }
        slider.value = String(k);
        var text = self.date === null ? endWords : self.date;
        output.textContent = text;
        slider.setAttribute('aria-valuetext', text);
      },
      stop: function () {
        setPlaying(false);
      },
    };
    setPlaying(false);
    this.timeline.show();
    this.map.invalidateSize();
  };

