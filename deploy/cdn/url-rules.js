// The site's URL rules, run by CloudFront on every viewer request to the bucket
// (runtime cloudfront-js-2.0). deploy/template.yaml carries a copy of this file in
// UrlRulesFunction, and deploy/local/front-door.conf.template says the same in nginx;
// tests/deploy/ holds all three to deploy/cdn/url-cases.json.
//
//   /                 302 to the default language's home, /ky/ (the first language in
//                     content/config.toml; a redirect, not a copy, so every page has one URL)
//   /ky/etaptar/      the object ky/etaptar/index.html, which the generator writes
//   /ky/etaptar       301 to /ky/etaptar/ (a last segment without a dot is a folder)
//   /ky/style.css     unchanged, as is anything else with a dot in its last segment
//   /api/...          unchanged (the distribution sends it to the HTTP API without this function)
//
// Redirects keep the query string. Only paths made of plain URL characters are redirected,
// so that a request for //example.org can never send a browser to another site.

var DEFAULT_HOME = '/ky/';
var FOLDER_WITHOUT_SLASH = /^(\/[\w~%-][\w.~%-]*)*\/[\w~%-]+$/;

function handler(event) {
    var request = event.request;
    var uri = request.uri;

    if (uri.indexOf('/api/') === 0) {
        return request;
    }
    if (uri === '/') {
        return redirect(302, 'Found', DEFAULT_HOME, request);
    }
    if (uri.charAt(uri.length - 1) === '/') {
        request.uri = uri + 'index.html';
        return request;
    }
    if (FOLDER_WITHOUT_SLASH.test(uri)) {
        return redirect(301, 'Moved Permanently', uri + '/', request);
    }
    return request;
}

function redirect(status, description, path, request) {
    var query = request.rawQueryString();
    return {
        statusCode: status,
        statusDescription: description,
        headers: { location: { value: query ? path + '?' + query : path } }
    };
}
