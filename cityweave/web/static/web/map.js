/* CityWeave maps: Leaflet with clustered markers over offline country outlines.
 *
 * <div data-map data-params="kind=case">          every located hit of a search (GeoJSON API)
 * <div data-map data-follow-search>                the hits of the search shown on the page;
 *                                                  refreshed when htmx swaps the results
 * <div data-map data-lat=".." data-lng=".." ...>   one item
 * <div data-map data-api="/api/v1/cities/map" data-item-url="/cities/__slug__/" ...>
 *                                                  the cities of the directory's filters
 */
(function () {
  "use strict";

  var textsNode = document.getElementById("map-texts");
  var TEXTS = textsNode ? JSON.parse(textsNode.textContent) : {};
  var KINDS = TEXTS.kinds || {};
  var basemapCache = {};

  function escapeHtml(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function loadBasemap(url) {
    if (!basemapCache[url]) {
      basemapCache[url] = fetch(url).then(function (r) { return r.json(); });
    }
    return basemapCache[url];
  }

  function icon(kind, title) {
    return L.divIcon({
      className: "cw-marker cw-marker-" + kind,
      html: '<span aria-hidden="true"></span>',
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -8]
    });
  }

  function marker(lat, lng, kind, title) {
    var m = L.marker([lat, lng], { icon: icon(kind), title: title, alt: title, riseOnHover: true });
    return m;
  }

  // Country names in the page's language ("PL" reads "Poland", "Polska" on /pl/), from the
  // browser's own data; the code itself where the browser has none.
  var regionNames = null;
  try {
    regionNames = new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "region" });
  } catch (e) { regionNames = null; }

  function countryName(code) {
    if (!code) { return ""; }
    try { return (regionNames && regionNames.of(code)) || code; } catch (e) { return code; }
  }

  function popupHtml(p, prefix) {
    var place = [p.city, countryName(p.country_code)].filter(Boolean).join(", ");
    return '<div class="cw-popup"><span class="badge badge-' + escapeHtml(p.kind) + '">' +
      escapeHtml(KINDS[p.kind] || p.kind) + '</span><a href="' + escapeHtml(prefix + p.url) + '">' +
      escapeHtml(p.title) + "</a>" + (place ? "<small>" + escapeHtml(place) + "</small>" : "") +
      "</div>";
  }

  // The city map's compact features ({slug, name, country_code, ...}) as the search's ones.
  function normalise(p, el) {
    if (p.title !== undefined) { return p; }
    return {
      kind: "city",
      title: p.name,
      url: (el.dataset.itemUrl || "").replace("__slug__", p.slug),
      city: "",
      country_code: p.country_code
    };
  }

  function setStatus(el, text) {
    var status = document.querySelector('[data-map-status="' + el.id + '"]');
    if (status) { status.textContent = text; }
  }

  function createMap(el) {
    var map = L.map(el, { worldCopyJump: true, minZoom: 2, maxZoom: 18, zoomSnap: 0.5 });
    map.setView([30, -25], 2);
    map.attributionControl.setPrefix(false);
    loadBasemap(el.dataset.basemap).then(function (geojson) {
      L.geoJSON(geojson, {
        interactive: false,
        style: { color: "#9fb5a8", weight: 0.8, fillColor: "#f3f6f1", fillOpacity: 1 }
      }).addTo(map).bringToBack();
      map.attributionControl.addAttribution(TEXTS.basemap || "Natural Earth");
    }).catch(function () { /* the markers still show without outlines */ });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function showOne(el, map) {
    var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
    var m = marker(lat, lng, el.dataset.kind || "case", el.dataset.title || "");
    if (el.dataset.approximate) {
      m.bindPopup('<div class="cw-popup">' + escapeHtml(TEXTS.approximate || "") + "</div>");
    } else if (el.dataset.site) {
      m.bindPopup('<div class="cw-popup">' + escapeHtml(TEXTS.site || "") + "</div>");
    }
    m.addTo(map);
    map.setView([lat, lng], el.dataset.zoom ? parseFloat(el.dataset.zoom) : (el.dataset.approximate ? 5 : 12));
    if (el.dataset.polygon) {
      var outline = L.geoJSON(JSON.parse(el.dataset.polygon), {
        style: { color: "#1f6f5c", weight: 2, fillColor: "#2f8f74", fillOpacity: 0.25 }
      }).addTo(map);
      map.fitBounds(outline.getBounds(), { padding: [16, 16], maxZoom: 16 });
    }
    el.dataset.markers = "1";
  }

  function showSearch(el, map, cluster, query) {
    var url = el.dataset.api + "?format=geojson" + (query ? "&" + query : "");
    el.dataset.state = "loading";
    el.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (data) {
        cluster.clearLayers();
        var markers = data.features.map(function (f) {
          var c = f.geometry.coordinates, p = normalise(f.properties, el);
          var m = marker(c[1], c[0], p.kind, p.title);
          m.bindPopup(popupHtml(p, el.dataset.prefix || ""));
          return m;
        });
        cluster.addLayers(markers);
        if (markers.length) {
          map.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 6 });
        }
        el.dataset.markers = String(markers.length);
        el.dataset.query = query;
        el.dataset.state = "ready";
        el.removeAttribute("aria-busy");
        setStatus(el, markers.length
          ? (TEXTS.located || "%(count)s").replace("%(count)s", markers.length.toLocaleString())
          : (TEXTS.none || ""));
      })
      .catch(function () {
        el.dataset.state = "failed";
        el.removeAttribute("aria-busy");
        setStatus(el, TEXTS.failed || "");
      });
  }

  function currentQuery() {
    var state = document.getElementById("search-state");
    return state ? state.dataset.query : window.location.search.replace(/^\?/, "");
  }

  function init(el) {
    if (el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var map = createMap(el);
    if (el.dataset.lat && el.dataset.lng) {
      showOne(el, map);
      return;
    }
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 });
    map.addLayer(cluster);
    var follow = el.hasAttribute("data-follow-search");
    showSearch(el, map, cluster, follow ? currentQuery() : (el.dataset.params || ""));
    if (follow) {
      document.body.addEventListener("htmx:afterSettle", function () {
        var query = currentQuery();
        if (query !== el.dataset.query) { showSearch(el, map, cluster, query); }
      });
    }
  }

  document.querySelectorAll("[data-map]").forEach(init);
})();
