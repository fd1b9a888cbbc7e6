//! What the OpenAPI document adds to the operations its handlers describe: the
//! security schemes they name, the link holders' twins of the upload operations,
//! and the refusals every operation of a kind can answer. A leaf: it names only the
//! document's shared rows.

use super::cookies::SESSION_COOKIE;
use super::doc_rows::{
    BadJson, BadPathParameter, BadQuery, CrossOrigin, Internal, LinkExpired, LinkNotFound,
    LinkPasswordRequired, LinkTokenParam, LinkTwin, NotAFileRequest, RecipientFull,
    TooManyRequests,
};
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};
use utoipa::{IntoParams, Modify, ToResponse};

/// Declares the two ways to authenticate that operations refer to.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <token>` with the token from log-in, sign-up or \
                         `POST /api/v1/tokens`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The browser session cookie that log-in and sign-up set.",
            ))),
        );
    }
}

/// A reusable row: its description and answer.
type Row = fn() -> (&'static str, RefOr<Response>);

/// The description of a row.
fn text_of(row: Row) -> String {
    match row().1 {
        RefOr::T(response) => response.description,
        RefOr::Ref(_) => String::new(),
    }
}

/// Adds `row` to an operation's answers of `status`: merged into the row already
/// there (an operation has one answer per status) unless it holds `marker`, which
/// says that the operation documents this refusal itself.
fn merge(operation: &mut Operation, status: &str, marker: &str, row: Row) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut(status) {
        Some(RefOr::T(response)) => {
            if response.description.contains(marker) {
                return;
            }
            let RefOr::T(added) = row().1 else { return };
            response.description = format!("{} {}", response.description, added.description);
            // A header the refusal comes with (`Retry-After`) comes with the row.
            for (name, header) in added.headers {
                response.headers.entry(name).or_insert(header);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert(status.into(), row().1);
        }
    }
}

/// [`merge`] for a row whose marker is its code, the first word of its text.
fn merge_code(operation: &mut Operation, status: &str, row: Row) {
    let text = text_of(row);
    let marker = text.split(':').next().unwrap_or_default().to_string();
    merge(operation, status, &marker, row);
}

/// Adds, beside each user upload operation under `/api/v1/files/upload/`, its twin
/// under `/api/v1/s/{token}/`: the same handler, as a link holder calls it.
pub struct LinkTwins(pub &'static [LinkTwin]);

impl Modify for LinkTwins {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut twins = Vec::new();
        for (path, item) in &openapi.paths.paths {
            let operations = [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Delete, &item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let spec = self
                    .0
                    .iter()
                    .find(|spec| operation.operation_id.as_deref() == Some(spec.operation));
                if let (Some(spec), Some(rest)) = (spec, path.strip_prefix("/api/v1")) {
                    twins.push((
                        format!("/api/v1/s/{{token}}{rest}"),
                        method,
                        twin(operation, spec),
                    ));
                }
            }
        }
        for (path, method, operation) in twins {
            openapi
                .paths
                .add_path_operation(path, vec![method], operation);
        }
    }
}

/// The link holder's twin of a user's upload operation.
fn twin(user: &Operation, spec: &LinkTwin) -> Operation {
    let mut operation = user.clone();
    operation.operation_id = operation.operation_id.map(|id| format!("link_{id}"));
    operation.tags = Some(vec!["links".into()]);
    operation.summary = Some(spec.summary.into());
    operation.description = spec.description.map(Into::into);
    // The token in the path is the credential.
    operation.security = None;
    let mut parameters = LinkTokenParam::into_params(|| Some(ParameterIn::Path));
    for mut parameter in operation.parameters.take().unwrap_or_default() {
        if parameter.name == "upload_id" {
            parameter.description = Some("The upload's id.".into());
        }
        parameters.push(parameter);
    }
    operation.parameters = Some(parameters);
    let responses = &mut operation.responses.responses;
    // A link holder is refused as a link is, never as a user is.
    responses.remove("401");
    responses.remove("403");
    let tells_quota = responses.remove("507").is_some();
    for status in spec.never {
        responses.remove(*status);
    }
    for (status, text) in spec.rows {
        let error_body = || Content::new(Some(Ref::from_schema_name("ErrorBody")));
        let is_error = status.starts_with(['4', '5']);
        match responses.get_mut(*status) {
            Some(RefOr::T(response)) => {
                response.description = (*text).to_string();
                // A link holder's refusal is in the usual shape, whatever a user's is.
                if is_error {
                    response.content = [("application/json".to_string(), error_body())].into();
                }
            }
            _ => {
                let mut response = Response::new(*text);
                response
                    .content
                    .insert("application/json".into(), error_body());
                responses.insert((*status).into(), RefOr::T(response));
            }
        }
    }
    merge_code(&mut operation, "401", LinkPasswordRequired::response);
    merge_code(&mut operation, "403", NotAFileRequest::response);
    merge_code(&mut operation, "404", LinkNotFound::response);
    merge_code(&mut operation, "410", LinkExpired::response);
    if tells_quota {
        merge_code(&mut operation, "507", RecipientFull::response);
    }
    operation
}

/// The refusals every operation of a kind can answer, whatever its handler does:
/// added to each operation's answers when its own rows do not name them yet.
pub struct CommonErrors;

/// Operations that do no work that could fail: no `internal` answer.
const CANNOT_FAIL: &[&str] = &["/api/v1/openapi.json", "/api/v1/config"];

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (false, &mut item.get),
                (false, &mut item.head),
                (false, &mut item.options),
                (false, &mut item.trace),
                (true, &mut item.post),
                (true, &mut item.put),
                (true, &mut item.patch),
                (true, &mut item.delete),
            ];
            for (unsafe_method, operation) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let parameters = operation.parameters.clone().unwrap_or_default();
                let takes = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                // Three kinds of `bad-request`, each told by its own words.
                if takes(ParameterIn::Path) {
                    merge(
                        operation,
                        "400",
                        "path parameter",
                        BadPathParameter::response,
                    );
                }
                if takes(ParameterIn::Query) {
                    merge(
                        operation,
                        "400",
                        "query string is malformed",
                        BadQuery::response,
                    );
                }
                if json_body {
                    merge(
                        operation,
                        "400",
                        "not the JSON this endpoint takes",
                        BadJson::response,
                    );
                }
                if unsafe_method {
                    merge_code(operation, "403", CrossOrigin::response);
                }
                if path.starts_with("/api/v1/s/") {
                    merge_code(operation, "429", TooManyRequests::response);
                }
                if !CANNOT_FAIL.contains(&path.as_str()) {
                    merge_code(operation, "500", Internal::response);
                }
            }
        }
    }
}
