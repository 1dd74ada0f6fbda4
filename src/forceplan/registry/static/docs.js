// The API reference: Swagger UI from the app's own copy (npm swagger-ui-dist), reading /openapi.json.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: false,
    validatorUrl: null,  // never ask an outside validator
    tryItOutEnabled: false,
  });
});
