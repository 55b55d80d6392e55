// Swagger UI, set up for the mock: its spec in two views, "Try it out" against the mock
// itself (the served spec's only server), the token typed once (Authorize, kept in this
// browser), vendor extensions such as x-assumption shown, and nothing fetched from elsewhere
// (no validator badge).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  var urls = root.dataset.views.split(" ").map(function (pair) {
    var at = pair.indexOf("=");
    var name = pair.slice(0, at);
    var label = name === "strict" ? "strict: what this mock does" : "lenient: what the API's docs promise";
    return { name: label, url: pair.slice(at + 1) };
  });
  window.ui = SwaggerUIBundle({
    urls: urls,
    "urls.primaryName": urls[0].name,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    validatorUrl: null,
    persistAuthorization: true,
    showExtensions: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
  });
});
