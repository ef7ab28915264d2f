// close.js: Ends the closure open.js begins (joined last). Not linted alone.

})();
