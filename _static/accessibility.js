// Display math wider than the text column scrolls sideways (overflow-x: auto). A keyboard user can
// scroll it only if it can take focus (WCAG 2.1.1; axe: scrollable-region-focusable). MathJax in the
// browser made every formula focusable (for its menu); the math rendered at build time is not, so each
// display formula that overflows gets tabindex="0", and loses it again when it fits (window resized).
(() => {
  const update = () => {
    for (const math of document.querySelectorAll('mjx-container[display="true"]')) {
      if (math.scrollWidth > math.clientWidth) math.setAttribute("tabindex", "0");
      else if (math.getAttribute("tabindex") === "0") math.removeAttribute("tabindex");
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
  document.fonts.ready.then(update); // the math fonts change the widths
  window.addEventListener("resize", update);
})();
