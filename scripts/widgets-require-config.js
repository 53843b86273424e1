// Loaded before require.js on pages with ipywidgets. html-manager computes the URLs of its
// fonts and modules through require.js; map its dist folder to the vendored copy next to
// this file so that nothing is requested from a CDN.
(function () {
  var here = document.currentScript.src;
  window.require = {
    paths: {
      "@jupyter-widgets/html-manager/dist": new URL("html-manager/dist", here).href.replace(/\/$/, ""),
    },
  };
})();
