/* CareForce: start Swagger UI from the settings in the page (no inline script, no CDN).
   A signed-in browser session needs the CSRF token on POST/PATCH; a bearer token (Authorize) does not. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  config.requestInterceptor = function (req) {
    if (csrfToken) {
      req.headers["X-CSRFToken"] = csrfToken;
    }
    return req;
  };
  window.ui = SwaggerUIBundle(config);
})();
