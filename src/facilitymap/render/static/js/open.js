// open.js: The page script's opening: its safety rules and the closure every other part sits in
// (joined first; close.js ends the closure). Not linted alone: it is half a statement.

/* facilitymap: the map page's own code (data layer, popups, legend, list, search, permalink).
 *
 * Safety rules this file keeps:
 *  - Every string from the layer enters the page through textContent or as the value of an
 *    attribute of an element created here; never through innerHTML, a template literal, eval
 *    or a Function constructor.
 *  - A link is made only when new URL(u) parses and its protocol is http: or https:.
 *  - Text from the data sits in dir="auto" elements, which isolate it, so a right-to-left
 *    override inside a name cannot reorder the words around it.
 *  - The URL hash is input too: a site id from it is only used to look a site up.
 */
(function () {
  'use strict';

