//! `/docs`: an HTML reference rendered on the server from the OpenAPI
//! document, so it works with no network and no scripts.

use serde_json::Value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(spec_json: &str) -> String {
    let spec: Value = serde_json::from_str(spec_json).unwrap_or(Value::Null);
    let title = spec["info"]["title"].as_str().unwrap_or("API");
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>");
    out.push_str(&esc(title));
    out.push_str(
        "</title><style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}\
         summary{cursor:pointer;padding:.3rem 0}code{background:#f3f3f3;padding:0 .2rem}\
         .m{display:inline-block;width:4.5rem;font-weight:bold}.t{color:#666}</style></head><body>",
    );
    out.push_str(&format!(
        "<h1>{}</h1><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a></p>",
        esc(title)
    ));
    if let Some(paths) = spec["paths"].as_object() {
        for (path, item) in paths {
            let Some(ops) = item.as_object() else {
                continue;
            };
            for (method, op) in ops {
                let summary = op["summary"].as_str().unwrap_or("");
                let tags = op["tags"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                out.push_str(&format!(
                    "<details><summary><span class=\"m\">{}</span><code>{}</code> {} <span class=\"t\">[{}]</span></summary><ul>",
                    esc(&method.to_uppercase()),
                    esc(path),
                    esc(summary),
                    esc(&tags)
                ));
                if let Some(desc) = op["description"].as_str() {
                    out.push_str(&format!("<li>{}</li>", esc(desc)));
                }
                if let Some(responses) = op["responses"].as_object() {
                    for (code, resp) in responses {
                        let d = resp["description"].as_str().unwrap_or("");
                        out.push_str(&format!("<li><b>{}</b> {}</li>", esc(code), esc(d)));
                    }
                }
                out.push_str("</ul></details>");
            }
        }
    }
    out.push_str("</body></html>");
    out
}
