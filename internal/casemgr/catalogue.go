package casemgr

import "sort"

// Entry describes one code of the catalogue.
type Entry struct {
	// Message is the English developer message. Placeholders in braces
	// ({ids}, {name}, {value}, {max}, ...) are filled from the error's
	// arguments; a translated user message uses the same placeholders.
	Message string
	// Rule says in one sentence which rule or condition the code enforces.
	Rule string
}

// Catalogue maps every code to its message and rule (the answer's status is
// the code's own prefix, read by the HTTP layer). It is the one
// place where codes are defined; docs/errors.md and the locale catalogs are
// checked against it by tests.
var Catalogue = map[Code]Entry{
	CodeUnsupportedParam:      {"Unsupported query parameter(s) supplied: '{name}'.", "Only the query parameters an endpoint documents are accepted."},
	CodeUnsupportedParamValue: {"Unsupported value '{value}' for query parameter '{name}'.", "A query parameter takes only its documented values."},
	CodeMalformedBody:         {"The request body could not be read: {reason}.", "A request body must be well-formed JSON or XML."},
	CodeUnsupportedElement:    {"Unsupported element '{name}' in the request body.", "A body may contain only the elements the operation allows."},
	CodeMissingElement:        {"Required element '{name}' is missing from the request body.", "A body must contain every element the operation requires."},
	CodePagingMixed:           {"Paging parameters $pagenum/$pagesize and $rangestart/$rangesize cannot be mixed.", "Paging uses either page parameters or range parameters."},
	CodeTooManyIDs:            {"At most {max} IDs may be requested at once; {count} were sent.", "A request names at most 75 IDs in its path."},
	CodeInvalidID:             {"'{value}' is not a valid ID.", "IDs are decimal numbers."},
	CodeOrderWithoutSort:      {"Query parameter $order requires $sort.", "$order accompanies $sort."},
	CodeMissingParam:          {"Required query parameter '{name}' is missing.", "A required query parameter must be present."},
	CodeInvalidValue:          {"Invalid value '{value}' for body attribute '{name}'.", "A body attribute takes only valid values."},
	CodeBodyRequired:          {"The request body is mandatory.", "Operations that take a body refuse a request without one."},
	CodeFixtureInvalid:        {"The fixture document is invalid: {reason}.", "A fixture document is loaded only when every reference and enumeration in it is valid."},
	CodeAttachmentTooLarge:    {"The attachment is larger than the limit of {max} bytes.", "Uploaded attachments are limited in size."},
	CodeBodyTooLarge:          {"The request body is larger than the limit of {max} bytes.", "Request bodies are limited in size."},
	CodeUnsupportedMediaType:  {"Content type '{value}' is not supported; send application/json or application/xml.", "A request body is JSON or XML."},

	CodeInvalidToken:        {"The access token is invalid, expired or revoked.", "Every call carries a live access token."},
	CodeMissingAuth:         {"Authorization is missing: send 'Authorization: Bearer <access token>'.", "Every call carries an access token."},
	CodeActionNotAllowed:    {"The user does not have the '{action}' action required for this operation.", "A user needs the action the operation names."},
	CodeLicenseMissing:      {"The user does not have the license required for activity {ids}: {license}.", "A user needs the license the operation requires for each activity type."},
	CodeDepartmentAccess:    {"The user may not work in the department concerned ({ids}).", "A user works only in their home department and the departments where they are a foreign user."},
	CodeDepartmentNotShared: {"Department {department} is not shared with the department of activity {ids}.", "Activities are transferred only to departments shared with their department."},
	CodePickNotAllowed:      {"The user may not pick activity {ids}: {reason}.", "Transferring an activity that is not assigned to the caller needs the Pick Activities permissions and licenses."},
	CodeAdminForbidden:      {"The admin token is not valid.", "Administration endpoints need the configured admin token."},
	CodeUnpinNotAllowed:     {"The user may not unpin activity {ids}: the 'Unpin' action is required.", "Transferring with unpin=yes an activity that another user pinned needs the Unpin action (a Pick Activities permission)."},
	CodeScopeInsufficient:   {"The scopes of the access token do not allow this call; it needs the scope {scope}.", "A GET needs the read or manage scope of its API (case or customer), any other method the manage scope."},
	CodeTooManyRequests:     {"Too many failed attempts; try again in {seconds} seconds.", "Failed logins and failed client authentications are rate-limited per user name, per client ID and per client address."},

	CodeNotFound:             {"No {entity} found for ID(s) {ids}.", "IDs in the request path must exist and be visible to the caller."},
	CodeNoSuchRoute:          {"There is no resource at this path.", "Only documented paths exist."},
	CodeMethodNotAllowed:     {"Method {method} is not allowed on this resource.", "Each resource accepts only its documented methods."},
	CodeInvalidLanguage:      {"Accept-Language '{value}' is not supported.", "Accept-Language is one of the 15 supported locales."},
	CodeNotAcceptable:        {"Accept '{value}' is not supported; accept application/json or application/xml.", "Responses are JSON or XML."},
	CodeIdempotencyConflict:  {"Idempotency key '{value}' was already used with a different request.", "An idempotency key is reused only with the same request."},
	CodeIdempotencyInFlight:  {"A request with idempotency key '{value}' is still being processed.", "Retries wait until the first request with a key has finished."},
	CodeInternal:             {"An internal error occurred.", "Unexpected failures are reported without detail."},
	CodeUnavailable:          {"The database is not reachable.", "The server is ready only while its database answers."},
	CodeStaleLastModified:    {"Activity {ids} was modified since it was read (lastModified does not match).", "A transfer names the lastModified the client read; a changed activity is not transferred. Checked after the permissions and every other rule."},
	CodeFixtureDataPresent:   {"The database already holds data; a fixture document is loaded only into an empty database.", "--seed loads only into an empty database."},
	CodeFixtureIDExists:      {"The fixture document names IDs that already exist: {reason}.", "Adding fixtures never overwrites existing entities."},
	CodeActivityLocked:       {"Activity {ids} is locked by another user.", "An activity locked by another user cannot be changed."},
	CodeTargetNotLoggedIn:    {"The target user {name} is not logged in.", "A calltrack activity is assigned only to a user who is logged in."},
	CodeTargetLicenseMissing: {"The target user {name} does not have the eGain CallTrackPlus license.", "A calltrack activity is assigned only to a user with eGain CallTrackPlus."},
	CodeTransferNotPermitted: {"The user does not have the Transfer Activities permission on user {name}.", "Assigning a new activity to another user needs the Transfer Activities permission on that user."},

	CodeNoActivities:        {"At least one activity must be sent.", "A bulk request names at least one activity."},
	CodeTooManyActivities:   {"At most {max} activities may be sent in one request; {count} were sent.", "No more than 75 activities are sent in one request."},
	CodeActivityNotFound:    {"Activity {ids} does not exist.", "Every activity named in the body must exist and be visible to the caller (in a user's home or foreign department)."},
	CodeStatusNotAllowed:    {"The status of activity {ids} must be 'awaiting_assignment' or 'assigned'.", "Only activities in queue waiting to be assigned or assigned to a user are changed."},
	CodeResponseNotComplete: {"Activity {ids} has a response that is not completed.", "Every existing response of an activity must be completed."},
	CodeDuplicateActivity:   {"Activity {ids} is named more than once.", "Each activity is named once in a request."},
	CodeDraftReplyNamed:     {"Activity {ids} is a draft reply; a draft reply moves with its parent and is not named on its own.", "A draft reply (a response not completed) is not named in a pick, complete or transfer to a user or queue; it travels with its parent."},

	CodeTypeNotRoutable:           {"Activity {ids} of type {value} cannot be transferred to a user or a queue, or picked.", "Email, social, task and user-defined activities are transferred to a user or a queue and picked; calltrack, chat and web are not."},
	CodeModeNotRoutable:           {"Activity {ids} is {value}; only inbound or composed email and social activities are transferred to a user or a queue.", "An email or social activity transferred to a user or a queue is inbound or composed."},
	CodeAlreadyAssignedToTarget:   {"Activity {ids} is already assigned to user {name}.", "No activity of a transfer to a user is already assigned to the target user."},
	CodeTargetNotInDepartment:     {"Activity {ids} is not in a department of user {name} (home or foreign).", "Every activity of a transfer to a user is in the target user's home department or one of the target's foreign departments."},
	CodeAlreadyInTargetQueue:      {"Activity {ids} already waits in queue {name}.", "No queued activity of a transfer to a queue already waits in the target queue."},
	CodeNotInQueueDepartment:      {"Activity {ids} is not in the department of queue {name}.", "Every activity of a transfer to a queue is in the queue's department."},
	CodeQueueInactive:             {"Queue {name} is not active.", "Activities are transferred only to an active queue."},
	CodeAlreadyAssignedToCaller:   {"Activity {ids} is already assigned to you.", "A user does not pick an activity already assigned to them."},
	CodeTargetLicenseForType:      {"User {name} does not have the license activity {ids} of type {value} needs.", "The target user of a transfer holds the license of each activity's type: eGain Advisor Desktop or eGain MailPlus for email and social, any user license for task and user-defined types."},
	CodeQueueTransferNotPermitted: {"The user may not transfer activities to queue {name}.", "Transferring activities to a queue needs the transfer permission on that queue (transferActivitiesToQueues)."},

	CodeContactPointCount:      {"Exactly one contact point must be sent for activity {ids}.", "Each activity names exactly one contact point."},
	CodeContactPointNotFound:   {"Contact point {value} does not exist.", "Every contact point named in the body must exist."},
	CodeContactPointsCustomers: {"The contact points of the request belong to different customers.", "All contact points of a request belong to one customer."},
	CodeSameCustomer:           {"Activity {ids} already belongs to customer {value}.", "The target customer differs from the activity's current customer."},
	CodeEmailNeedsEmailPoint:   {"Email activity {ids} can be associated only with an email contact point.", "An email activity takes only an email contact point."},
	CodeCalltrackNeedsPhone:    {"Calltrack activity {ids} can be associated only with a phone contact point.", "A calltrack activity takes only a phone contact point."},
	CodeSocialNeedsSocialPoint: {"Social activity {ids} can be associated only with a social contact point.", "A social activity takes only a social contact point."},
	CodeSocialTypeMismatch:     {"Social activity {ids} of subtype {value} can be associated only with a {value} social contact point.", "Twitter, Facebook and Instagram activities take only a social contact point of their own type."},
	CodeCustomerDepartment:     {"The target customer does not belong to the department of the current customer of activity {ids}.", "With customer departmentalization on, the target customer belongs to the department of the activity's current customer (of the activity, when it has none)."},

	CodeActivitiesInManyCases: {"The activities belong to different cases.", "All activities of a change-case request belong to one case."},
	CodeSourceCaseMissing:     {"Activity {ids} does not belong to an existing case.", "The case of the activities must exist."},
	CodeCaseCustomerMismatch:  {"Case {value} does not have the same customer as the activities' case.", "The original and the target case have the same customer."},
	CodeTargetCaseNotFound:    {"Case {value} does not exist.", "The existing target case named by its ID exists."},
	CodeAlreadyInCase:         {"The activities already belong to case {value}.", "Activities are not moved to the case they are already in."},
	CodeExistingCaseElements:  {"With an existing case ID no other element is allowed: '{name}'.", "A move to an existing case names only its ID."},
	CodeDueDateInvalid:        {"dueDate '{value}' must be a valid date in the future.", "A due date is a valid future date."},
	CodeSeverityInvalid:       {"Severity '{value}' must be one of urgent, high, medium or low.", "Case severity is urgent, high, medium or low."},
	CodeCaseSubjectTooLong:    {"The case subject has {count} characters; at most {max} are allowed.", "A case subject has at most 1024 characters."},
	CodeCaseTextTooLong:       {"The case {name} has {count} characters; at most {max} are allowed.", "A case description or solution has at most 1024 characters."},
	CodeAttributeUnknown:      {"Custom attribute '{name}' is not defined for {entity}.", "Custom attributes must be defined for the object."},
	CodeAttributeValue:        {"Value '{value}' is not allowed for custom attribute '{name}'.", "An enumerated custom attribute takes only its allowed values."},

	CodeNoTransferWorkflow:    {"Department {department} has no transfer workflow.", "The target department of a transfer has a transfer workflow."},
	CodeTypeNotTransferable:   {"Activity {ids} of type {value} cannot be transferred to a department.", "Only email, task and user-defined activities are transferred; social, calltrack, chat and web are not."},
	CodeEmailModeNotAllowed:   {"Email activity {ids} is {value}; only inbound or composed emails are transferred.", "Only inbound or composed email activities are transferred."},
	CodePinnedNeedsUnpin:      {"Activity {ids} is pinned; send unpin=yes to transfer it.", "A pinned activity is transferred only with unpin=yes."},
	CodeAlreadyInDepartment:   {"Activity {ids} already belongs to department {department}.", "No activity already belongs to the target department."},
	CodeLastModifiedRequired:  {"Activity element {index} must contain 'id' and 'lastModified'.", "Each activity of a transfer names its id and lastModified."},
	CodeLastModifiedMalformed: {"lastModified '{value}' is not a valid date-time.", "lastModified is an ISO-8601 date-time."},

	CodeDepartmentRequired:     {"department.name is required.", "A calltrack activity names its department."},
	CodeDepartmentUnknown:      {"Department '{name}' does not exist.", "The department of a calltrack activity exists."},
	CodeTypeNotCalltrack:       {"type.value must be 'call_track', not '{value}'.", "The type of a calltrack activity is call_track."},
	CodeSubtypeUnknown:         {"Calltrack subtype '{value}' is not configured.", "The subtype is one of the configured calltrack subtypes."},
	CodeModeInvalid:            {"mode.value must be Inbound or Outbound, not '{value}'.", "The mode of a calltrack activity is Inbound or Outbound."},
	CodeSubjectOrContent:       {"A subject or content is required.", "A calltrack activity has a subject or content."},
	CodeCustomerIDMissing:      {"A customer identifier is required unless anonymousCustomer=yes.", "A calltrack activity identifies its customer unless it is anonymous."},
	CodeCustomerIDAmbiguous:    {"Exactly one customer identifier may be sent; got {value}.", "A calltrack activity identifies its customer by exactly one element."},
	CodeCustomerNotFound:       {"The {entity} {value} does not exist.", "The identified customer exists."},
	CodeContactPointDataFormat: {"contactPointData '{value}' must be an email address or a phone number of digits only.", "contactPointData is a valid email address or a phone number of digits only."},
	CodeContactPointDataNoCust: {"No customer has the contact point '{value}'.", "contactPointData belongs to a customer."},
	CodeCustomerNotInDept:      {"Customer {value} does not belong to department {department}.", "With customer departmentalization on, the customer is in the activity's department."},
	CodeAnonymousWithCustomer:  {"An anonymous activity cannot name a customer ('{name}').", "With anonymousCustomer=yes no customer is named."},
	CodeCaseNotFound:           {"Case {value} does not exist.", "The case named by case.id exists."},
	CodePriorityInvalid:        {"Priority '{value}' must be 1 to 7.", "Priority is 1 to 7."},
	CodeSubjectTooLong:         {"The subject has {count} characters; at most {max} are allowed.", "An activity subject has at most 255 characters."},
	CodeContentInvalid:         {"payload.calltrack.content must have text and/or html.", "Calltrack content is text and/or html."},
	CodeAttachmentUnknown:      {"Attachment '{value}' does not exist.", "altId refers to an attachment the caller uploaded; another actor's upload is unknown to the caller."},
	CodeAttachmentUsed:         {"Attachment '{value}' is already used by another activity.", "An uploaded attachment is used by one activity only."},
	CodeTargetUserAmbiguous:    {"At most one of status.assigned.user id, name or customAttributes may be sent.", "The target user is identified by one element."},
	CodeTargetUserNotFound:     {"Target user '{value}' does not exist.", "The target user exists and is identified uniquely."},
	CodeCaseNotOpen:            {"Case {ids} is not open.", "Only an open case changes its customer."},
	CodeCaseSameCustomer:       {"Case {ids} already belongs to customer {value}.", "The target customer of a case differs from its current customer."},
	CodeCaseCustomerDepartment: {"The target customer does not belong to the department of the current customer of case {ids}.", "With customer departmentalization on, a case's new customer belongs to the department of its current customer (of the case, when it has none)."},

	CodeNoUserLicense: {"The user holds no user license.", "Searching customers and cases, and creating customers, need any user license."},

	CodeCustomerTypeInvalid:        {"Customer type '{value}' is not valid: type.value is individual, corporate or group.", "A created customer names its type: individual, corporate or group."},
	CodeCustomerTypeMismatch:       {"The customer type of the path ({value}) disagrees with type.value ({name}).", "A customer type in the path agrees with the body's type.value."},
	CodeCustomerDepartmentRequired: {"department.name is required while customers are departmentalized.", "With customer departmentalization on, a created customer names its department."},
	CodeCustomerDepartmentUnknown:  {"Department '{value}' does not exist.", "A created customer's department exists."},
	CodeIndividualOneContact:       {"An individual customer has exactly one contact; {count} were sent.", "An individual customer has exactly one contact."},
	CodeCustomerNameRequired:       {"A {value} customer needs a customerName of at most 124 characters.", "A corporate or group customer has a name of at most 124 characters."},
	CodeGroupTypeInvalid:           {"'{value}' is not a configured group type (type.group.type.value).", "A group customer names one of the configured group types."},
	CodeRegionInvalid:              {"'{value}' is not a configured region.", "A group's or corporation's region is one of the configured regions."},
	CodeCustomerElementInvalid:     {"Invalid value '{value}' for customer element '{name}'.", "A customer's role, howReferred, level and industry take their listed values; pin, marketSegment and entitlements are limited in length."},
	CodeContactFirstName:           {"Contact {name} needs a firstName.", "Every contact has a first name."},
	CodeContactElementTooLong:      {"Contact element '{name}' is longer than 255 characters.", "A contact's names, salutation, loginId and jobTitle are at most 255 characters."},
	CodeEmailPointInvalid:          {"'{value}' is not a valid email address ({name}).", "An email contact point has a valid emailAddress."},
	CodeEmailInUse:                 {"Email address '{value}' is already used by a customer.", "An email address belongs to one customer (in its department with customer departmentalization on) and is sent once."},
	CodePhonePointInvalid:          {"Invalid value '{value}' for phone element '{name}'.", "A phone contact point has a type (home, office, mobile, fax, pager) and a phoneNo of at most 40 characters; its country code, area code, extension and availability are valid."},
	CodePostalPointInvalid:         {"Invalid value '{value}' for postal element '{name}'.", "A postal contact point has a type (home, office, other) and address_1; each field is at most 255 characters."},
	CodeWebsitePointInvalid:        {"Invalid value '{value}' for website element '{name}'.", "A website contact point has a url of at most 1024 characters."},
	CodeSocialPointInvalid:         {"Invalid value '{value}' for social element '{name}'.", "A social contact point has a known network type and a socialId."},
	CodePointPriorityInvalid:       {"Invalid priority '{value}' for contact point {name}: low, medium or high.", "A contact point's priority is low, medium or high."},
	CodeTargetUserRequired:         {"A client application must name the target user in status.assigned.user.", "A client application names the user the activity is assigned to."},

	CodeFeedCursorInvalid: {"'{value}' is not a cursor of the event feed.", "The after parameter of the event feed is a cursor the feed returned."},
	CodeFeedCursorFuture:  {"Cursor '{value}' is ahead of every event written.", "The after parameter of the event feed may not name a position past the last event written."},
	CodeFeedCursorExpired: {"Cursor '{value}' is older than the oldest event retained; events after it were purged.", "A reader resuming from a cursor whose following events were purged is told so instead of silently skipping them."},
	CodeFeedTypeUnknown:   {"'{value}' is not an event type.", "The type parameter of the event feed names event types that exist."},
	CodeFeedPageSize:      {"$pagesize of the event feed must be between 1 and {max}; got {value}.", "The event feed returns between 1 and 500 events at once."},
	CodeFeedWait:          {"wait of the event feed must be between 0 and {max} seconds; got {value}.", "The event feed waits between 0 and 60 seconds for an event."},

	CodePullBodyNotAllowed:  {"A pull takes no request body.", "A pull request has no body."},
	CodeNoPullQueues:        {"User {name} has no queue in their pull options.", "A user pulls only with at least one queue in their pull options."},
	CodePullQueueNotAllowed: {"The user has the Pull Activities permission on none of their pull-option queues.", "A user pulls only with the Pull Activities permission on at least one of their pull-option queues."},

	CodeWebhookURLInvalid:       {"'{value}' is not a valid webhook URL: send an absolute http or https URL of at most 2048 characters, without user information or fragment.", "A webhook URL is an absolute http or https URL of at most 2048 characters, with a host and without user information or fragment."},
	CodeWebhookTargetRefused:    {"The webhook host {value} has the address {reason}, which webhooks may not reach.", "A webhook does not reach loopback, private, link-local, shared, multicast or reserved addresses (where cloud metadata services live) unless the operator allows their range (--webhook-allow); the address connected to is checked again at every delivery."},
	CodeWebhookHostUnknown:      {"The webhook host {value} does not resolve to an address.", "The host of a webhook URL resolves when the webhook is created."},
	CodeWebhookSecretInvalid:    {"The webhook secret must be 'whsec_' followed by the base64 of 24 to 64 bytes.", "A webhook secret is 'whsec_' and the base64 of 24 to 64 bytes; leave it out to have one generated."},
	CodeWebhookEventTypeUnknown: {"Event type '{value}' does not exist.", "eventTypes names only the documented event types."},
	CodeWebhookEventTypesEmpty:  {"eventTypes names no event type; leave it out to receive every type.", "eventTypes, when sent, names at least one event type."},
	CodeWebhookTooMany:          {"A client application may hold at most {max} webhooks.", "A client application holds at most 50 webhooks."},
	CodeWebhookClientOnly:       {"Webhooks are managed by client applications; a user token may not use this resource.", "Webhooks are managed by client applications; a user token gets 403."},
	// Edit customer.
	CodeEditCustomerIDRequired:  {"The id of the customer to edit is required.", "An edit names its customer by id, in the body or the path."},
	CodeEditCustomerNotFound:    {"Customer {value} does not exist.", "The customer an edit names in its body exists and is visible to the caller."},
	CodeEditCustomerIDMismatch:  {"The body's id {value} disagrees with the customer {ids} of the path.", "A customer id sent in the body agrees with the path's."},
	CodeEditCustomerEmpty:       {"An edit of a customer needs at least one element besides id.", "An edit sends at least one element to change besides the customer's id."},
	CodeContactNotOfCustomer:    {"Contact {value} is not a contact of customer {ids}.", "A contact sent with an id is one of the edited customer's contacts."},
	CodeIndividualSecondContact: {"Individual customer {ids} has one contact; another cannot be added.", "An individual customer never gets a second contact."},
	CodePointNotOfContact:       {"Contact point {value} is not a contact point of {name}.", "A contact point sent with an id belongs to the contact it is sent under."},
	CodePointKindMismatch:       {"Contact point {value} is a {kind} contact point, not a {name} one.", "An edited contact point is sent under the key of its own kind."},
	CodePointEditEmpty:          {"Contact point {value} is sent with nothing to change.", "An edited contact point carries at least one element besides its id."},
	CodeCustomerStale:           {"Customer {ids} was modified since it was read (lastModified is now {value}).", "A lastModified sent with an edit of a customer is the customer's current one."},

	CodeEditOneActivity:       {"Exactly one activity is edited at a time; {count} were sent.", "Edit activity names exactly one activity."},
	CodeEditIDRequired:        {"The activity must contain 'id' and 'lastModified'.", "The activity of an edit names its id and the lastModified the client read."},
	CodeEditNothingToEdit:     {"Nothing to edit: send at least one of dueDate, priority, language.value or customAttributes.", "An edit sets at least one of dueDate, priority, language and customAttributes."},
	CodeEditDueDateInPast:     {"dueDate '{value}' must be a valid date in the future.", "The dueDate of an edited activity is a valid date in the future."},
	CodeEditPriorityInvalid:   {"Priority '{value}' must be 1 to 7.", "The priority of an edited activity is \"1\" to \"7\"."},
	CodeEditLanguageInvalid:   {"Language '{value}' is not an activity language ({values}).", "The language of an edited activity is one of the configured activity languages."},
	CodeEditNotAssigned:       {"Activity {ids} is not assigned; only an assigned activity is edited.", "Only an activity whose status is assigned is edited."},
	CodeEditNotAssignedToUser: {"Activity {ids} is not assigned to the calling user.", "A user edits only an activity assigned to them."},
	CodeEditLocked:            {"Activity {ids} is locked by another user.", "An activity locked by another user is not edited (an expired lock does not count)."},
	CodeEditStale:             {"Activity {ids} was modified since it was read (lastModified does not match).", "An edit names the lastModified the client read; a changed activity is not edited. Checked after every other rule."},

	CodeCompleteNotAssigned:       {"Activity {ids} must be assigned to the calling user to be completed.", "Only an assigned activity is completed, and a user completes only activities assigned to them (a client application: assigned to anyone)."},
	CodeCompleteTypeNotAllowed:    {"Activity {ids} of type {value} cannot be completed; chat and web activities are not.", "Email, social, calltrack, task and user-defined activities are completed; chat and web are not."},
	CodeCompleteNeedsCategory:     {"Activity {ids} has no category, and its department requires one.", "In a department that forces categorization, an activity is completed only with a category."},
	CodeCompleteNeedsResolution:   {"Activity {ids} has no resolution code, and its department requires one.", "In a department that forces resolution codes, an activity is completed only with a resolution code."},
	CodeCompleteAwaitsSupervision: {"Activity {ids} is awaiting supervision.", "An activity awaiting supervision is not completed."},
	CodeCompleteLocked:            {"Activity {ids} is locked by another user.", "An activity locked by another user is not completed (an expired lock does not count)."},
}

// Codes returns every code of the catalogue in order.
func Codes() []Code {
	codes := make([]Code, 0, len(Catalogue))
	for c := range Catalogue {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	return codes
}
