// forceplan web app: small enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Home base: show the longitude/latitude fields only when "a point" is chosen.
  const hb = document.getElementById("home_base");
  const ll = document.getElementById("lonlat");
  if (hb && ll) {
    const sync = () => { ll.hidden = hb.value !== "__lonlat__"; };
    hb.addEventListener("change", sync);
    sync();
  }
});
