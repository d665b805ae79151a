//! What an analyst or an operator reads of an import and of a pull: the one rendering,
//! shown by the publish and import page and printed by `pivot-share` (terminal, mail, the
//! Job's log). One line each; every line passes through `escape_controls`, since group
//! names, item summaries and messages come from a package or the API: a newline, a
//! terminal escape or U+202E shows as a `\u{...}` escape and cannot forge a line.

use super::import::ImportReport;
use super::pull::PullSummary;
use crate::plan::{ImportPlan, ItemNote};
use pivot_text::escape::escape_controls;

/// How many entries of a list are named before "… and N more".
pub const LISTED: usize = 20;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `heading: N`, then up to [`LISTED`] entries indented, then what was left out.
fn listed<T>(lines: &mut Vec<String>, heading: &str, items: &[T], entry: impl Fn(&T) -> String) {
    if items.is_empty() {
        return;
    }
    lines.push(format!("{heading}: {}", items.len()));
    lines.extend(items.iter().take(LISTED).map(|i| format!("  {}", entry(i))));
    if items.len() > LISTED {
        lines.push(format!("  … and {} more", items.len() - LISTED));
    }
}

fn note(n: &ItemNote) -> String {
    n.to_string()
}

/// The plan: what the import creates, overwrites, links, leaves alone and keeps.
pub fn plan_lines(plan: &ImportPlan) -> Vec<String> {
    let p = plan;
    let mut lines = vec![
        format!("Groups: {} to create, {} to overwrite", p.groups_to_create.len(), p.groups_to_overwrite.len()),
        format!("Indicators: {} to create, {} to overwrite", p.indicators_to_create.len(), p.indicators_to_overwrite.len()),
        format!("Batch jobs: {}", p.batch_jobs),
    ];
    if !p.labels_to_create.is_empty() {
        lines.push(format!("Security labels to create: {}", p.labels_to_create.join(", ")));
    }
    for m in &p.missing_attribute_types {
        lines.push(format!("Attribute type \"{}\" does not exist here: {} not imported", m.name, plural(m.attributes, "attribute", "attributes")));
    }
    listed(&mut lines, "Associations no longer in the package, to remove", &p.associations_to_remove, ToString::to_string);
    listed(&mut lines, "Linked only, their content decided by another package", &p.linked_only, note);
    listed(&mut lines, "Left alone, brought by another source's package", &p.refused, note);
    listed(&mut lines, "Adopted, already in the target and brought by no share import: overwritten", &p.adopted, note);
    listed(&mut lines, "Attributes reading as an origin attribute, stripped (the importer writes the only one)", &p.origin_lookalikes, note);
    lines.extend(p.labels_kept.iter().take(LISTED).map(|n| format!("Kept: {n}")));
    if p.labels_kept.len() > LISTED {
        lines.push(format!("Kept: … and {} more", p.labels_kept.len() - LISTED));
    }
    lines.extend(p.warnings.iter().map(|w| format!("Warning: {w}")));
    lines
}

/// An import: its group and target, the plan, and when it ran, its batch jobs, the
/// verification and whether it is complete.
pub fn report_lines(r: &ImportReport) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {} into {} (content hash {})",
        if r.dry_run { "Plan for" } else { "Import of" },
        r.group_name,
        r.plan.target_owner,
        r.content_hash
    )];
    lines.extend(plan_lines(&r.plan));
    if !r.dry_run {
        for j in &r.jobs {
            lines.push(format!(
                "Batch job {} (id {}): {}, {}, {} bytes: {}, {} succeeded, {}",
                j.index,
                j.batch_id,
                plural(j.groups, "group", "groups"),
                plural(j.indicators, "indicator", "indicators"),
                j.bytes,
                j.status,
                j.success_count,
                plural(j.error_count.max(0) as usize, "error", "errors"),
            ));
            lines.extend(j.errors.iter().take(LISTED).map(|e| format!("  {e}")));
        }
        if !r.labels_created.is_empty() {
            lines.push(format!("Security labels created: {}", r.labels_created.join(", ")));
        }
        if r.dissociated > 0 {
            lines.push(format!("Dissociated: {}", r.dissociated));
        }
        lines.push(format!("Items failed in batch jobs: {}", r.items_failed()));
        match &r.verification {
            Some(v) if v.is_complete() => lines.push(format!(
                "Verified by reading the owner back: {} groups, {} indicators, {} associations, all present",
                v.found_groups, v.found_indicators, v.found_associations
            )),
            Some(v) => {
                lines.push(format!(
                    "Verification (read back from the owner): groups {}/{}, indicators {}/{}, associations {}/{}, {}",
                    v.found_groups,
                    v.expected_groups,
                    v.found_indicators,
                    v.expected_indicators,
                    v.found_associations,
                    v.expected_associations,
                    plural(v.differences.len(), "difference", "differences")
                ));
                listed(&mut lines, "Differences", &v.differences, ToString::to_string);
            }
            None => lines.push("Not verified".into()),
        }
        lines.push(if r.is_complete() {
            "Import complete".into()
        } else {
            format!("Import incomplete: {}; run it again to converge", r.failure_message())
        });
    }
    lines.extend(r.warnings.iter().map(|w| format!("Warning: {w}")));
    lines.into_iter().map(|l| escape_controls(&l).into_owned()).collect()
}

/// A pull: its totals, each package's outcome and, in a dry run, each package's plan.
pub fn summary_lines(s: &PullSummary) -> Vec<String> {
    let mut lines = vec![format!(
        "pivot-share pull{}: packages seen {}, imported {}, skipped {}, failed {}{}; items created {}, updated {}, failed {}",
        if s.dry_run { " (dry run)" } else { "" },
        s.packages_seen,
        s.packages_imported,
        s.packages_skipped,
        s.packages_failed,
        if s.dry_run { format!(", planned {}", s.packages_planned) } else { String::new() },
        s.items_created,
        s.items_updated,
        s.items_failed
    )];
    if let Some(why) = &s.lease_replaced {
        lines.push(format!("  the pull lease record was invalid ({why}): taken over"));
    }
    for p in &s.packages {
        let outcome = format!("{:?}", p.outcome).to_lowercase();
        lines.push(format!("  {outcome}: {} {} (group {}): {}", p.group_type, p.group_name, p.group_id, p.message));
        if let (true, Some(r)) = (s.dry_run, &p.report) {
            lines.extend(plan_lines(&r.plan).into_iter().map(|l| format!("    {l}")));
        }
    }
    lines.into_iter().map(|l| escape_controls(&l).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{JobReport, Outcome, PackageOutcome};
    use crate::plan::{MissingAttributeType, PlanItem};
    use crate::verify::{Difference, VerificationReport};
    use crate::ItemKind;

    fn item(summary: &str) -> PlanItem {
        PlanItem { kind: ItemKind::Indicator, item_type: "Host".into(), label: summary.into(), xid: format!("xid-{summary}") }
    }

    fn plan() -> ImportPlan {
        ImportPlan {
            target_owner: "Demo Org".into(),
            content_hash: "abc".into(),
            groups_to_create: vec![item("g")],
            indicators_to_create: (0..37).map(|i| item(&format!("h{i}.example"))).collect(),
            labels_to_create: vec!["TLP:AMBER".into()],
            missing_attribute_types: vec![MissingAttributeType { name: "Evil\u{2066}Type".into(), attributes: 1 }],
            batch_jobs: 1,
            warnings: vec!["one warning".into()],
            ..ImportPlan::default()
        }
    }

    fn report(dry_run: bool) -> ImportReport {
        ImportReport {
            group_name: "Invoice\u{202E}fdp.exe\nFAKE: Import complete".into(),
            source_xid: "x".into(),
            content_hash: "abc".into(),
            dry_run,
            plan: plan(),
            labels_created: vec![],
            jobs: vec![],
            dissociated: 0,
            verification: None,
            recorded: false,
            warnings: vec![],
        }
    }

    #[test]
    fn a_plan_reads_the_same_wherever_it_is_shown() {
        let lines = report_lines(&report(true));
        assert_eq!(
            lines,
            [
                "Plan for Invoice\\u{202E}fdp.exe\\u{000A}FAKE: Import complete into Demo Org (content hash abc)",
                "Groups: 1 to create, 0 to overwrite",
                "Indicators: 37 to create, 0 to overwrite",
                "Batch jobs: 1",
                "Security labels to create: TLP:AMBER",
                "Attribute type \"Evil\\u{2066}Type\" does not exist here: 1 attribute not imported",
                "Warning: one warning",
            ]
        );
        // A hostile name cannot forge a line of its own.
        assert!(lines.iter().all(|l| !l.contains('\n') && !l.contains('\u{202E}')));
    }

    #[test]
    fn an_import_that_ran_says_its_jobs_verification_and_outcome() {
        let mut r = report(false);
        r.jobs.push(JobReport {
            index: 0,
            batch_id: 12,
            bytes: 3000,
            groups: 1,
            indicators: 37,
            status: "Completed".into(),
            success_count: 38,
            ..JobReport::default()
        });
        r.verification = Some(VerificationReport {
            expected_groups: 1,
            found_groups: 1,
            expected_indicators: 37,
            found_indicators: 37,
            ..VerificationReport::default()
        });
        let lines = report_lines(&r);
        assert!(
            lines.contains(&"Batch job 0 (id 12): 1 group, 37 indicators, 3000 bytes: Completed, 38 succeeded, 0 errors".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"Verified by reading the owner back: 1 groups, 37 indicators, 0 associations, all present".to_string()),
            "{lines:#?}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("Import complete"));
        r.verification.as_mut().unwrap().differences.push(Difference::MissingGroup { xid: "x".into(), name: "g".into() });
        let lines = report_lines(&r);
        assert_eq!(lines.last().map(String::as_str), Some("Import incomplete: verification found 1 difference(s); run it again to converge"));
        assert!(lines.contains(&"Differences: 1".to_string()) && lines.contains(&"  group g is missing".to_string()), "{lines:#?}");
    }

    #[test]
    fn long_lists_are_cut_and_say_how_many_more() {
        let mut p = plan();
        p.linked_only = (0..25).map(|i| ItemNote { item: item(&format!("l{i}")), reason: "r".into(), target_name: None, labels: vec![] }).collect();
        let lines = plan_lines(&p);
        let at = lines.iter().position(|l| l == "Linked only, their content decided by another package: 25").unwrap();
        assert_eq!(lines[at + LISTED + 1], "  … and 5 more");
    }

    #[test]
    fn adopted_items_are_listed() {
        let mut p = plan();
        p.adopted = vec![ItemNote {
            item: item("theirs.example"),
            reason: "already in the target, brought by no share import: overwritten (adopt existing items)".into(),
            target_name: None,
            labels: vec![],
        }];
        let lines = plan_lines(&p);
        let at = lines.iter().position(|l| l == "Adopted, already in the target and brought by no share import: overwritten: 1").unwrap();
        assert_eq!(lines[at + 1], "  Host theirs.example: already in the target, brought by no share import: overwritten (adopt existing items)");
    }

    #[test]
    fn attributes_reading_as_an_origin_attribute_are_listed() {
        let mut p = plan();
        p.origin_lookalikes = vec![ItemNote {
            item: item("evil.example"),
            reason: "1 attribute(s) reading as an origin attribute, stripped".into(),
            target_name: None,
            labels: vec![],
        }];
        let lines = plan_lines(&p);
        let at = lines.iter().position(|l| l == "Attributes reading as an origin attribute, stripped (the importer writes the only one): 1").unwrap();
        assert_eq!(lines[at + 1], "  Host evil.example: 1 attribute(s) reading as an origin attribute, stripped");
    }

    #[test]
    fn a_dry_run_pull_shows_each_plan_indented() {
        let s = PullSummary {
            dry_run: true,
            packages_seen: 1,
            packages_planned: 1,
            packages: vec![PackageOutcome {
                group_id: 9,
                group_type: "Incident".into(),
                group_name: "Op\u{1B}[2J".into(),
                content_hash: "abc".into(),
                outcome: Outcome::Planned,
                message: "planned".into(),
                items_created: 38,
                items_updated: 0,
                items_failed: 0,
                batch_jobs: 1,
                differences: 0,
                report: Some(report(true)),
            }],
            ..PullSummary::default()
        };
        let lines = summary_lines(&s);
        assert_eq!(lines[1], "  planned: Incident Op\\u{001B}[2J (group 9): planned");
        assert_eq!(lines[2], "    Groups: 1 to create, 0 to overwrite");
    }

    #[test]
    fn a_pull_that_took_over_an_invalid_lease_record_says_so() {
        let s = PullSummary { lease_replaced: Some("`takenAt` is missing\u{202E}".into()), ..PullSummary::default() };
        let lines = summary_lines(&s);
        assert_eq!(lines[1], "  the pull lease record was invalid (`takenAt` is missing\\u{202E}): taken over");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["leaseReplaced"], "`takenAt` is missing\u{202E}");
        assert!(serde_json::to_value(PullSummary::default()).unwrap().get("leaseReplaced").is_none());
    }
}
