package casemgr

// Code is a stable error code of the casemgr API, written "<http status>-<number>"
// as eGain writes them. A code names one cause and is also the key of the
// translated user messages in every locale.
type Code string

// The catalogue: every error the server can answer with. The eGain codes keep
// their eGain meaning; the codes of the business rules are casemgr's own.
// Catalogue holds each code's English developer message and the rule it
// enforces; docs/errors.md is generated from it.
const (
	// Request shape, parameters and headers.
	CodeUnsupportedParam      Code = "400-101"
	CodeUnsupportedParamValue Code = "400-102"
	CodeMalformedBody         Code = "400-103"
	CodeUnsupportedElement    Code = "400-104"
	CodeMissingElement        Code = "400-105"
	CodePagingMixed           Code = "400-106"
	CodeTooManyIDs            Code = "400-107"
	CodeInvalidID             Code = "400-108"
	CodeOrderWithoutSort      Code = "400-109"
	CodeMissingParam          Code = "400-112"
	CodeInvalidValue          Code = "400-152"
	CodeBodyRequired          Code = "400-264"
	CodeFixtureInvalid        Code = "400-301"
	CodeAttachmentTooLarge    Code = "413-101"
	CodeBodyTooLarge          Code = "413-100"
	CodeUnsupportedMediaType  Code = "415-100"

	// Authentication and authorization.
	CodeInvalidToken        Code = "401-101"
	CodeMissingAuth         Code = "401-104"
	CodeActionNotAllowed    Code = "403-105"
	CodeLicenseMissing      Code = "403-106"
	CodeDepartmentAccess    Code = "403-107"
	CodeDepartmentNotShared Code = "403-108"
	CodePickNotAllowed      Code = "403-109"
	CodeAdminForbidden      Code = "403-110"
	CodeUnpinNotAllowed     Code = "403-111"
	CodeScopeInsufficient   Code = "403-197"
	CodeTooManyRequests     Code = "429-001"

	// Lookup and negotiation.
	CodeNotFound             Code = "404-101"
	CodeNoSuchRoute          Code = "404-100"
	CodeMethodNotAllowed     Code = "405-100"
	CodeInvalidLanguage      Code = "406-100"
	CodeNotAcceptable        Code = "406-101"
	CodeIdempotencyConflict  Code = "422-101"
	CodeIdempotencyInFlight  Code = "409-102"
	CodeInternal             Code = "500-100"
	CodeUnavailable          Code = "503-100"
	CodeStaleLastModified    Code = "409-101"
	CodeFixtureDataPresent   Code = "409-103"
	CodeFixtureIDExists      Code = "409-104"
	CodeActivityLocked       Code = "403-201"
	CodeTargetNotLoggedIn    Code = "403-270"
	CodeTargetLicenseMissing Code = "403-271"
	CodeTransferNotPermitted Code = "403-272"

	// Rules shared by the bulk activity operations.
	CodeNoActivities        Code = "400-201"
	CodeTooManyActivities   Code = "400-202"
	CodeActivityNotFound    Code = "400-203"
	CodeStatusNotAllowed    Code = "400-204"
	CodeResponseNotComplete Code = "400-205"
	CodeDuplicateActivity   Code = "400-206"
	CodeDraftReplyNamed     Code = "400-430"

	// Change customer of activities.
	CodeContactPointCount      Code = "400-210"
	CodeContactPointNotFound   Code = "400-211"
	CodeContactPointsCustomers Code = "400-212"
	CodeSameCustomer           Code = "400-213"
	CodeEmailNeedsEmailPoint   Code = "400-214"
	CodeCalltrackNeedsPhone    Code = "400-215"
	CodeSocialNeedsSocialPoint Code = "400-216"
	CodeSocialTypeMismatch     Code = "400-217"
	CodeCustomerDepartment     Code = "400-218"

	// Change case of activities.
	CodeActivitiesInManyCases Code = "400-220"
	CodeSourceCaseMissing     Code = "400-221"
	CodeCaseCustomerMismatch  Code = "400-222"
	CodeTargetCaseNotFound    Code = "400-223"
	CodeAlreadyInCase         Code = "400-224"
	CodeExistingCaseElements  Code = "400-226"
	CodeDueDateInvalid        Code = "400-227"
	CodeSeverityInvalid       Code = "400-228"
	CodeCaseSubjectTooLong    Code = "400-229"
	CodeAttributeUnknown      Code = "400-230"
	CodeAttributeValue        Code = "400-231"
	CodeCaseTextTooLong       Code = "400-232"

	// Transfer activities to department.
	CodeNoTransferWorkflow    Code = "400-240"
	CodeTypeNotTransferable   Code = "400-241"
	CodeEmailModeNotAllowed   Code = "400-242"
	CodePinnedNeedsUnpin      Code = "400-243"
	CodeAlreadyInDepartment   Code = "400-244"
	CodeLastModifiedRequired  Code = "400-245"
	CodeLastModifiedMalformed Code = "400-246"

	// Transfer activities to a user or a queue, pick activities.
	CodeTypeNotRoutable           Code = "400-431"
	CodeModeNotRoutable           Code = "400-432"
	CodeAlreadyAssignedToTarget   Code = "400-433"
	CodeTargetNotInDepartment     Code = "400-434"
	CodeAlreadyInTargetQueue      Code = "400-435"
	CodeNotInQueueDepartment      Code = "400-436"
	CodeQueueInactive             Code = "400-437"
	CodeAlreadyAssignedToCaller   Code = "400-438"
	CodeTargetLicenseForType      Code = "403-410"
	CodeQueueTransferNotPermitted Code = "403-411"

	// Create calltrack activity.
	CodeDepartmentRequired     Code = "400-250"
	CodeDepartmentUnknown      Code = "400-251"
	CodeTypeNotCalltrack       Code = "400-252"
	CodeSubtypeUnknown         Code = "400-253"
	CodeModeInvalid            Code = "400-254"
	CodeSubjectOrContent       Code = "400-255"
	CodeCustomerIDMissing      Code = "400-256"
	CodeCustomerIDAmbiguous    Code = "400-257"
	CodeCustomerNotFound       Code = "400-258"
	CodeContactPointDataFormat Code = "400-259"
	CodeContactPointDataNoCust Code = "400-260"
	CodeCustomerNotInDept      Code = "400-261"
	CodeAnonymousWithCustomer  Code = "400-262"
	CodeCaseNotFound           Code = "400-263"
	CodePriorityInvalid        Code = "400-270"
	CodeSubjectTooLong         Code = "400-271"
	CodeContentInvalid         Code = "400-272"
	CodeAttachmentUnknown      Code = "400-273"
	CodeAttachmentUsed         Code = "400-274"
	CodeTargetUserAmbiguous    Code = "400-275"
	CodeTargetUserNotFound     Code = "400-276"
	CodeTargetUserRequired     Code = "400-277"

	// Change customer of a case.
	CodeCaseNotOpen            Code = "400-280"
	CodeCaseSameCustomer       Code = "400-281"
	CodeCaseCustomerDepartment Code = "400-282"

	// Customers and searches.
	CodeNoUserLicense Code = "403-300"

	// Create customer.
	CodeCustomerTypeInvalid        Code = "400-302"
	CodeCustomerTypeMismatch       Code = "400-303"
	CodeCustomerDepartmentRequired Code = "400-304"
	CodeCustomerDepartmentUnknown  Code = "400-305"
	CodeIndividualOneContact       Code = "400-306"
	CodeCustomerNameRequired       Code = "400-307"
	CodeGroupTypeInvalid           Code = "400-308"
	CodeRegionInvalid              Code = "400-309"
	CodeCustomerElementInvalid     Code = "400-310"
	CodeContactFirstName           Code = "400-312"
	CodeContactElementTooLong      Code = "400-313"
	CodeEmailPointInvalid          Code = "400-314"
	CodeEmailInUse                 Code = "400-315"
	CodePhonePointInvalid          Code = "400-316"
	CodePostalPointInvalid         Code = "400-317"
	CodeWebsitePointInvalid        Code = "400-318"
	CodeSocialPointInvalid         Code = "400-319"
	CodePointPriorityInvalid       Code = "400-320"

	// The change feed.
	CodeFeedCursorInvalid Code = "400-500"
	CodeFeedCursorFuture  Code = "400-501"
	CodeFeedCursorExpired Code = "400-502"
	CodeFeedTypeUnknown   Code = "400-503"
	CodeFeedPageSize      Code = "400-504"
	CodeFeedWait          Code = "400-505"

	// Pull activities.
	CodePullBodyNotAllowed  Code = "400-470"
	CodeNoPullQueues        Code = "400-471"
	CodePullQueueNotAllowed Code = "403-430"

	// Webhooks.
	CodeWebhookURLInvalid       Code = "400-530"
	CodeWebhookTargetRefused    Code = "400-531"
	CodeWebhookHostUnknown      Code = "400-532"
	CodeWebhookSecretInvalid    Code = "400-533"
	CodeWebhookEventTypeUnknown Code = "400-534"
	CodeWebhookEventTypesEmpty  Code = "400-535"
	CodeWebhookTooMany          Code = "400-536"
	CodeWebhookClientOnly       Code = "403-530"
	// Edit customer.
	CodeEditCustomerIDRequired  Code = "400-321"
	CodeEditCustomerNotFound    Code = "400-322"
	CodeEditCustomerIDMismatch  Code = "400-323"
	CodeEditCustomerEmpty       Code = "400-324"
	CodeContactNotOfCustomer    Code = "400-325"
	CodeIndividualSecondContact Code = "400-326"
	CodePointNotOfContact       Code = "400-327"
	CodePointKindMismatch       Code = "400-328"
	CodePointEditEmpty          Code = "400-329"
	CodeCustomerStale           Code = "409-300"

	// Edit activity (docs/operations/edit-activity.md).
	CodeEditOneActivity       Code = "400-400"
	CodeEditIDRequired        Code = "400-401"
	CodeEditNothingToEdit     Code = "400-402"
	CodeEditDueDateInPast     Code = "400-403"
	CodeEditPriorityInvalid   Code = "400-404"
	CodeEditLanguageInvalid   Code = "400-405"
	CodeEditNotAssigned       Code = "400-406"
	CodeEditNotAssignedToUser Code = "400-407"
	CodeEditLocked            Code = "403-400"
	CodeEditStale             Code = "409-400"

	// Complete activities (docs/operations/complete-activities.md).
	CodeCompleteNotAssigned       Code = "400-410"
	CodeCompleteTypeNotAllowed    Code = "400-411"
	CodeCompleteNeedsCategory     Code = "400-413"
	CodeCompleteNeedsResolution   Code = "400-414"
	CodeCompleteAwaitsSupervision Code = "400-415"
	CodeCompleteLocked            Code = "403-401"
)
