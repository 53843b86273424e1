// Loaded before require.js on pages with ipywidgets. html-manager computes the URLs of its
// fonts and modules through require.js; map its dist folder to the vendored copy next to
// this file so that nothing is requested from a CDN. embed-amd.js defines the modules
// @jupyter-widgets/html-manager, base, controls, ... by name, and two of them carry the widget
// fonts, each computing their URL from its own module's URL: mapping @jupyter-widgets there too
// keeps the fonts in the vendored folder whichever module's style sheet is applied last
// (otherwise they were sometimes asked for at <page folder>/@jupyter-widgets/, a 404).
(function () {
  var here = document.currentScript.src;
  var dist = new URL("html-manager/dist", here).href.replace(/\/$/, "");
  window.require = {
    paths: {
      "@jupyter-widgets/html-manager/dist": dist,
      "@jupyter-widgets": dist,
    },
  };
})();
