// The API reference: Swagger UI (from the fastapi-offline package, served under /static)
// reading this site's OpenAPI document. A file, not an inline script: the CSP allows only 'self'.
const target = document.getElementById("swagger-ui");
if (target && window.SwaggerUIBundle) {
  window.SwaggerUIBundle({ url: target.dataset.openapi, domNode: target, deepLinking: true });
}
