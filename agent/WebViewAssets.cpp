// The web view's stylesheet and script (WebViewHtml.h). The script only handles the token and
// the action forms: every figure is in the HTML already.
#include "WebViewHtml.h"

namespace agent::web {

std::string_view styleSheet() {
  return R"(body{font:14px/1.4 "Liberation Sans",Arial,sans-serif;margin:1em 2em;color:#222}
h1{margin:0;font-size:1.4em}h1 a{color:inherit;text-decoration:none}.host{color:#555;margin:.2em 0 .8em}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.3em 0}.num{text-align:right;white-space:nowrap}
.of{color:#777}.source{display:block;font-size:.8em;color:#2a6f2a}.state.paused{color:#b35c00;font-weight:bold}
form.action{display:inline;margin:0}.controls-off{color:#777;font-size:.9em}
.controls,form.controls{display:none}body.has-token .controls{display:inline-block}body.has-token form.controls{display:block}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dt{color:#666}dd{margin:0}
figure.chart{margin:.8em 0}figcaption{font-weight:bold}#action-result{white-space:pre-wrap;font-family:monospace}
)";
}

std::string_view script() {
  return R"((function () {
  var key = "agentd-token";
  var state = document.getElementById("token-state");
  function update() {
    var has = !!sessionStorage.getItem(key);
    document.body.classList.toggle("has-token", has);
    if (state) state.textContent = has ? "token kept for this tab" : "no token: read-only";
  }
  var form = document.getElementById("token-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = document.getElementById("token-input");
      if (input.value.trim()) sessionStorage.setItem(key, input.value.trim());
      input.value = "";
      update();
    });
    document.getElementById("token-forget").addEventListener("click", function () {
      sessionStorage.removeItem(key);
      update();
    });
  }
  document.querySelectorAll("form.action").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = {};
      new FormData(f).forEach(function (v, k) { if (v !== "") body[k] = v; });
      fetch(f.action, {method: "POST", headers: {"Authorization": "Bearer " + (sessionStorage.getItem(key) || ""),
                                                  "Content-Type": "application/json"}, body: JSON.stringify(body)})
        .then(function (r) { return r.text().then(function (t) {
          document.getElementById("action-result").textContent = r.status + " " + t;
          if (r.ok) location.reload();  // the reply came after a fresh snapshot (WebView::action)
        }); });
    });
  });
  update();
})();
)";
}

}  // namespace agent::web
