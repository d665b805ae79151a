//! The sandbox answers with the field names of ThreatConnect's documented examples
//! (tests/fixtures/threatconnect-docs/ in the pivot package). The key lists below are copied from those fixtures.
use crate::common::*;
use serde_json::Value;

fn has_keys(v: &Value, keys: &[&str], what: &str) {
    let missing: Vec<&&str> = keys.iter().filter(|k| v.get(**k).is_none()).collect();
    assert!(missing.is_empty(), "{}: missing {:?} in {}", what, missing, v);
}

#[test]
fn documented_field_names() {
    let sb = Sandbox::start(Seed::Demo);
    // v3__indicators__retrieve__2.json (GET /v3/indicators/3, a Host)
    let j = sb.get("/api/v3/indicators/1").json();
    assert_eq!(j["status"], "Success");
    has_keys(
        &j["data"],
        &[
            "id",
            "ownerId",
            "ownerName",
            "dateAdded",
            "webLink",
            "type",
            "lastModified",
            "rating",
            "confidence",
            "description",
            "summary",
            "privateFlag",
            "active",
            "activeLocked",
            "hostName",
            "dnsActive",
            "whoisActive",
            "legacyLink",
        ],
        "v3 host",
    );
    assert!(j["data"]["dnsActive"].is_boolean() && j["data"]["rating"].is_f64());
    // v3__indicators__retrieve__1.json (a File in a list), v3__return_count__1.json (count)
    let j = sb.get("/api/v3/indicators?tql=id%3D9&count=true").json();
    has_keys(&j, &["data", "status", "count"], "v3 list");
    has_keys(&j["data"][0], &["id", "ownerId", "ownerName", "type", "summary", "md5", "legacyLink"], "v3 file");
    // v3__additional_fields__4.json (tags, associatedGroups) and v3__update_metadata__1.json (securityLabels)
    let j = sb.get("/api/v3/indicators/1?fields=tags&fields=associatedGroups&fields=securityLabels&fields=attributes").json();
    has_keys(&j["data"]["tags"]["data"][0], &["id", "name", "lastUsed"], "v3 tag");
    has_keys(&j["data"]["securityLabels"]["data"][0], &["id", "name", "description", "color", "owner", "dateAdded"], "v3 label");
    // v3__indicator_attributes__retrieve__1.json
    has_keys(
        &j["data"]["attributes"]["data"][0],
        &["id", "dateAdded", "type", "value", "createdBy", "lastModified", "pinned", "default"],
        "v3 attribute",
    );
    // v3__groups__retrieve__1.json
    has_keys(
        &j["data"]["associatedGroups"]["data"][0],
        &[
            "id",
            "ownerId",
            "ownerName",
            "dateAdded",
            "webLink",
            "type",
            "name",
            "createdBy",
            "upVoteCount",
            "downVoteCount",
            "lastModified",
            "legacyLink",
        ],
        "v3 group",
    );
    // v3__falsePositivesObservations__*.json
    let j = sb.get("/api/v3/indicators/1?fields=observations&fields=falsePositives&fields=threatAssess").json();
    has_keys(
        &j["data"],
        &[
            "observations",
            "lastObserved",
            "falsePositives",
            "lastFalsePositive",
            "falsePositiveReportedByUser",
            "threatAssessRating",
            "threatAssessConfidence",
            "threatAssessScore",
            "threatAssessScoreObserved",
            "threatAssessScoreFalsePositive",
        ],
        "v3 counts",
    );
    // v3__owners__retrieve__2.json
    let j = sb.get("/api/v3/security/owners/2").json();
    has_keys(
        &j["data"],
        &["id", "name", "type", "ownerRole", "permIndicator", "permGroup", "permAttribute", "permTag", "permSecurityLabel", "permPublish"],
        "v3 owner",
    );
    // v3__tags__retrieve__1.json
    has_keys(&sb.get("/api/v3/tags/2").json()["data"], &["id", "name", "owner", "lastUsed"], "v3 tag by id");
    // v3__attribute_types__retrieve__1.json
    has_keys(
        &sb.get("/api/v3/attributeTypes").json()["data"][0],
        &["id", "name", "description", "maxSize", "allowMarkdown", "errorMessage"],
        "v3 attribute type",
    );

    // v2__indicators__retrieve__10.json (includeAdditional=true)
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com?includeAdditional=true").json();
    has_keys(
        &j["data"]["host"],
        &[
            "id",
            "owner",
            "dateAdded",
            "lastModified",
            "threatAssessRating",
            "threatAssessConfidence",
            "webLink",
            "observationCount",
            "lastObserved",
            "falsePositiveCount",
            "falsePositiveLastReported",
            "privateFlag",
            "active",
            "activeLocked",
            "hostName",
            "dnsActive",
            "whoisActive",
        ],
        "v2 host",
    );
    has_keys(&j["data"]["host"]["owner"], &["id", "name", "type"], "v2 owner object");
    assert!(j["data"]["host"]["dnsActive"].is_string());
    // overview__1.json (includeTags / includeAttributes on a list)
    let j = sb.get("/api/v2/indicators/hosts?includeTags=true&includeAttributes=true&resultLimit=1").json();
    has_keys(&j["data"], &["resultCount", "host"], "v2 list");
    has_keys(&j["data"]["host"][0], &["id", "ownerName", "dateAdded", "lastModified", "webLink", "hostName", "attribute", "tag"], "v2 host in list");
    // v2__indicators__retrieve__18.json / 19.json (associations)
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/groups").json();
    has_keys(&j["data"]["group"][0], &["id", "name", "type", "ownerName", "dateAdded", "lastModified", "webLink"], "v2 associated group");
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/indicators").json();
    has_keys(
        &j["data"]["indicator"][0],
        &[
            "id",
            "ownerName",
            "type",
            "dateAdded",
            "lastModified",
            "rating",
            "confidence",
            "threatAssessRating",
            "threatAssessConfidence",
            "webLink",
            "summary",
        ],
        "v2 associated indicator",
    );
    // v2__indicators__retrieve__13.json
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/observationCount").json();
    has_keys(&j["data"]["observationCount"], &["count", "lastObserved", "yourCount", "yourLastObserved"], "v2 observationCount");
    // v2__indicators__retrieve__15/17.json, v2__groups__create__2.json
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/tags").json();
    has_keys(&j["data"], &["resultCount", "tag"], "v2 tags");
    has_keys(&j["data"]["tag"][0], &["name", "webLink"], "v2 tag");
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/securityLabels").json();
    has_keys(&j["data"]["securityLabel"][0], &["name", "description", "dateAdded"], "v2 label");
    let j = sb.get("/api/v2/indicators/hosts/bad.example.com/attributes").json();
    has_keys(&j["data"]["attribute"][0], &["id", "type", "dateAdded", "lastModified", "displayed", "value"], "v2 attribute");
    // v2__groups__retrieve__1.json / 2.json
    let j = sb.get("/api/v2/groups/incidents?resultLimit=1").json();
    has_keys(&j["data"]["incident"][0], &["id", "name", "ownerName", "dateAdded", "lastModified", "webLink", "eventDate"], "v2 incident in list");
    let j = sb.get("/api/v2/groups/threats/15").json();
    has_keys(&j["data"]["threat"], &["id", "name", "owner", "dateAdded", "lastModified", "webLink"], "v2 threat");
    // v2__owners__retrieve__2/3/5.json, v2__indicators__retrieve__8.json
    has_keys(&sb.get("/api/v2/owners/2").json()["data"], &["resultCount", "owner"], "v2 owner");
    has_keys(&sb.get("/api/v2/owners/mine/members").json()["data"]["user"][0], &["userName", "firstName", "lastName"], "v2 members");
    let j =
        sb.get(&format!("/api/v2/indicators/urls/{}/owners", enc("https://evil.example.net/dl/a b/payload.php?id=42&x=a+b%20c#frag/part"))).json();
    has_keys(&j["data"]["owner"][0], &["id", "name", "type"], "v2 indicator owners");
}
