//! `/webhooks.*`: webhook targets that receive events (§8.7).

use serde::{Deserialize, Serialize};

use crate::common::UserSummary;

/// Declares `webhook-event-type`: one variant per wire name, with `ALL` and `as_str`.
macro_rules! event_types {
    ($($variant:ident => $name:literal,)*) => {
        /// `webhook-event-type`: what a webhook subscribes to. revdir stores every type the
        /// spec lists, including those of object families it does not serve.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum WebhookEventType {
            $(
                #[doc = concat!("`", $name, "`.")]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl WebhookEventType {
            /// Every event type, in the spec's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The event type of a wire name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|t| t.as_str() == name)
            }
        }
    };
}

event_types! {
    AccountCreated => "account_created",
    AccountDeleted => "account_deleted",
    AccountUpdated => "account_updated",
    AiAgentResponse => "ai_agent_response",
    ArticleCreated => "article_created",
    ArticleDeleted => "article_deleted",
    ArticleUpdated => "article_updated",
    ConversationCreated => "conversation_created",
    ConversationDeleted => "conversation_deleted",
    ConversationUpdated => "conversation_updated",
    DashboardCreated => "dashboard_created",
    DashboardDeleted => "dashboard_deleted",
    DashboardUpdated => "dashboard_updated",
    DevUserCreated => "dev_user_created",
    DevUserDeleted => "dev_user_deleted",
    DevUserUpdated => "dev_user_updated",
    GroupCreated => "group_created",
    GroupDeleted => "group_deleted",
    GroupMemberAdded => "group_member_added",
    GroupMemberRemoved => "group_member_removed",
    GroupUpdated => "group_updated",
    IncidentCreated => "incident_created",
    IncidentDeleted => "incident_deleted",
    IncidentUpdated => "incident_updated",
    JobCreated => "job_created",
    JobDeleted => "job_deleted",
    JobUpdated => "job_updated",
    LinkCreated => "link_created",
    LinkDeleted => "link_deleted",
    LinkUpdated => "link_updated",
    PartCreated => "part_created",
    PartDeleted => "part_deleted",
    PartUpdated => "part_updated",
    QuestionAnswerCreated => "question_answer_created",
    QuestionAnswerDeleted => "question_answer_deleted",
    QuestionAnswerUpdated => "question_answer_updated",
    RevOrgCreated => "rev_org_created",
    RevOrgDeleted => "rev_org_deleted",
    RevOrgUpdated => "rev_org_updated",
    RevUserCreated => "rev_user_created",
    RevUserDeleted => "rev_user_deleted",
    RevUserUpdated => "rev_user_updated",
    SlaTrackerCreated => "sla_tracker_created",
    SlaTrackerDeleted => "sla_tracker_deleted",
    SlaTrackerFetched => "sla_tracker_fetched",
    SlaTrackerUpdated => "sla_tracker_updated",
    SurveyCreated => "survey_created",
    SurveyDeleted => "survey_deleted",
    SurveyResponseCreated => "survey_response_created",
    SurveyResponseDeleted => "survey_response_deleted",
    SurveyResponseUpdated => "survey_response_updated",
    SurveyUpdated => "survey_updated",
    SyncHistoryCreated => "sync_history_created",
    SyncHistoryDeleted => "sync_history_deleted",
    SyncHistoryUpdated => "sync_history_updated",
    SyncUnitUpdated => "sync_unit_updated",
    TagCreated => "tag_created",
    TagDeleted => "tag_deleted",
    TagUpdated => "tag_updated",
    TimelineEntryCreated => "timeline_entry_created",
    TimelineEntryDeleted => "timeline_entry_deleted",
    TimelineEntryUpdated => "timeline_entry_updated",
    Verify => "verify",
    WebhookCreated => "webhook_created",
    WebhookDeleted => "webhook_deleted",
    WebhookUpdated => "webhook_updated",
    WidgetCreated => "widget_created",
    WidgetDeleted => "widget_deleted",
    WidgetUpdated => "widget_updated",
    WorkCreated => "work_created",
    WorkDeleted => "work_deleted",
    WorkFetched => "work_fetched",
    WorkUpdated => "work_updated",
}

/// `webhook-status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    /// Verified; receives events.
    Active,
    /// Turned off by `webhooks.update {action: deactivate}`.
    Inactive,
    /// Waiting for its endpoint to answer the verify challenge.
    Unverified,
}

/// `webhook-header`: a header sent with every invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookHeader {
    /// Header name: ASCII alphanumerics, `-` and `_`.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// `webhook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    /// The webhook's DON.
    pub id: String,
    /// Human-readable id; webhooks have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Who created the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserSummary>,
    /// When the webhook was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Who changed the webhook last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<UserSummary>,
    /// When the webhook was changed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// The event types the webhook receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<WebhookEventType>>,
    /// Headers sent with every invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<WebhookHeader>>,
    /// The key of the invocations' `X-DevRev-Signature`.
    pub secret: String,
    /// Whether the webhook receives events.
    pub status: WebhookStatus,
    /// Where invocations are POSTed.
    pub url: String,
}

/// `webhooks-create-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksCreateRequest {
    /// The endpoint's URL.
    pub url: String,
    /// The event types the webhook receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<WebhookEventType>>,
    /// The signing secret, 8 to 32 bytes; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Headers sent with every invocation (at most 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<WebhookHeader>>,
}

/// `webhooks-create-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksCreateResponse {
    /// The new webhook, with its secret.
    pub webhook: Webhook,
}

/// `webhooks-get-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksGetRequest {
    /// The webhook's DON.
    pub id: String,
}

/// `webhooks-get-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksGetResponse {
    /// The webhook.
    pub webhook: Webhook,
}

/// `webhooks-list-request`: it has no fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksListRequest {}

/// `webhooks-list-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksListResponse {
    /// Every webhook of the dev org, in creation order.
    pub webhooks: Vec<Webhook>,
}

/// `webhooks-update-action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhooksUpdateAction {
    /// Turn the webhook on again.
    Activate,
    /// Turn the webhook off.
    Deactivate,
}

/// `webhooks-update-request-event-types`: `set`, or `add` and `remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksUpdateRequestEventTypes {
    /// Types to add; present ones are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<WebhookEventType>>,
    /// Types to remove; absent ones are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Vec<WebhookEventType>>,
    /// Replaces the types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<Vec<WebhookEventType>>,
}

/// `webhooks-update-request-headers`: `set`, or `add` and `remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksUpdateRequestHeaders {
    /// Headers to add; one of the same name is replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<WebhookHeader>>,
    /// Names of headers to remove; absent ones are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Vec<String>>,
    /// Replaces the headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<Vec<WebhookHeader>>,
}

/// `webhooks-update-request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksUpdateRequest {
    /// The webhook's DON.
    pub id: String,
    /// Turns the webhook on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<WebhooksUpdateAction>,
    /// Changes the event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<WebhooksUpdateRequestEventTypes>,
    /// Changes the headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<WebhooksUpdateRequestHeaders>,
    /// A new secret (8 to 32 bytes); empty generates one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A new URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `webhooks-update-response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksUpdateResponse {
    /// The webhook as stored after the update.
    pub webhook: Webhook,
}

/// `webhooks-delete-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksDeleteRequest {
    /// The webhook's DON.
    pub id: String,
}

/// `webhooks-fetch-request`: deliver an object to a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksFetchRequest {
    /// The webhook's DON.
    pub id: String,
    /// The object to deliver: a rev user, account, rev org, dev user or tag.
    pub object: String,
}
