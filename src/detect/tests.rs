//! Tests of detect() on document pairs built from Markdown strings.

use crate::align::align;
use crate::model::Document;
use crate::report::{Event, Severity};

fn find<'a>(evs: &'a [Event], kind: &str) -> Vec<&'a Event> {
    evs.iter().filter(|e| e.kind == kind).collect()
}

fn doc(md: &str) -> Document {
    Document::from_text("t.md", md).unwrap()
}

fn events(old: &str, new: &str) -> Vec<Event> {
    let (o, n) = (doc(old), doc(new));
    let pairs = align(&o.sections, &n.sections);
    super::detect(&o, &n, &pairs)
}

fn kinds(evs: &[Event]) -> Vec<String> {
    let mut k: Vec<String> = evs
        .iter()
        .map(|e| match (&e.subject, &e.from, &e.to) {
            (None, None, None) => e.kind.clone(),
            (Some(s), None, None) => format!("{} {s}", e.kind),
            (s, f, t) => format!(
                "{}{} {}→{}",
                e.kind,
                s.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default(),
                f.as_deref().unwrap_or("-"),
                t.as_deref().unwrap_or("-")
            ),
        })
        .collect();
    k.sort();
    k
}

fn seed(name: &str) -> Document {
    let bytes = crate::testdata::bytes(&format!("seeds/{name}"));
    Document::parse(name, bytes, &crate::model::ParseOptions::default()).unwrap()
}

fn summary(d: &Document) -> Vec<String> {
    let f = super::document_facts(d).unwrap();
    let mut out: Vec<String> = f
        .subjects
        .iter()
        .map(|((fam, _), s)| format!("{} {}", fam.prefix(), s.display))
        .collect();
    for r in &f.retention {
        out.push(format!("retention {:?} {}", r.subject, r.value.value()));
    }
    out.push(format!("stance {}", f.stance().0.as_str()));
    out.push(format!("age {:?}", f.age().map(|a| a.0)));
    out.push(format!("ai {}", f.ai_training.len()));
    out.push(format!(
        "effective {:?}",
        f.effective.map(|e| e.0.to_string())
    ));
    out
}

// ---- transfer mechanisms, aliases, moves -------------------------------

#[test]
fn privacy_shield_dropped_with_sccs_left_is_medium() {
    let old = "# Transfers\n\nWe comply with the EU-U.S. Privacy Shield Framework. We also use Standard Contractual Clauses.\n";
    let new =
        "# Transfers\n\nWe use Standard Contractual Clauses approved by the European Commission.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["transfer_mechanism.removed Privacy Shield"]);
    assert_eq!(ev[0].severity, Severity::Medium);
    assert_eq!(ev[0].section.old.as_deref(), Some("Transfers"));
    assert!(
        ev[0]
            .evidence
            .old
            .as_deref()
            .unwrap()
            .contains("Privacy Shield")
    );
    assert_eq!(ev[0].evidence.new, None);
}

#[test]
fn last_mechanism_dropped_is_high_and_replacement_is_added() {
    let old = "# Transfers\n\nWe rely on the Swiss-U.S. Privacy Shield, see privacyshield.gov.\n";
    let new = "# Transfers\n\nWe rely on the EU-U.S. Data Privacy Framework.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        [
            "transfer_mechanism.added Data Privacy Framework",
            "transfer_mechanism.removed Privacy Shield"
        ]
    );
    assert_eq!(ev[0].severity, Severity::Medium, "{ev:?}");
    let removed = find(&ev, "transfer_mechanism.removed");
    assert_eq!(removed[0].severity, Severity::Medium);
    // With nothing left, a removal is high.
    let ev = events(
        old,
        "# Transfers\n\nWe transfer data to the United States.\n",
    );
    assert_eq!(ev[0].kind, "transfer_mechanism.removed");
    assert_eq!(ev[0].severity, Severity::High);
}

#[test]
fn aliases_fold_to_one_subject() {
    let old = "# A\n\nWe adhere to the EU-US Privacy Shield Framework. Our Facebook Pixel is used. The DSGVO applies.\n";
    let new = "# A\n\nVisit privacyshield.gov for our Privacy Shield certification. Our Meta Pixel is used. The General Data Protection Regulation applies.\n";
    let ev = events(old, new);
    assert!(ev.is_empty(), "{:?}", kinds(&ev));
}

#[test]
fn a_mention_that_only_moved_is_no_event() {
    let old = "# One\n\nWe use Google Analytics and keep analytics data for 14 months.\n\n# Two\n\nOther text here.\n";
    let new = "# One\n\nSomething else entirely.\n\n# Two\n\nOther text here. We use Google Analytics and keep analytics data for 14 months.\n";
    let ev = events(old, new);
    assert!(
        ev.iter()
            .all(|e| !e.kind.starts_with("third_party") && !e.kind.starts_with("retention")),
        "{:?}",
        kinds(&ev)
    );
}

#[test]
fn a_mention_removed_in_one_section_but_kept_in_another_is_no_event() {
    let old = "# One\n\nWe use Mailchimp.\n\n# Two\n\nNewsletters go through Mailchimp.\n";
    let new = "# One\n\nWe use e-mail.\n\n# Two\n\nNewsletters go through Mailchimp.\n";
    assert!(find(&events(old, new), "third_party.removed").is_empty());
}

// ---- third parties, frameworks, severity -------------------------------

#[test]
fn vendors_and_frameworks_added_and_removed() {
    let old = "# Processors\n\nWe use Paddle and Zendesk. This policy follows the CCPA.\n";
    let new = "# Processors\n\nWe use Paddle, Hotjar and OpenAI. This policy follows the CCPA and the California Privacy Rights Act.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        [
            "legal_framework.added CPRA",
            "third_party.added Hotjar",
            "third_party.added OpenAI",
            "third_party.removed Zendesk"
        ]
    );
    for e in &ev {
        let want = match e.kind.as_str() {
            "third_party.added" => Severity::Medium,
            _ => Severity::Low,
        };
        assert_eq!(e.severity, want, "{}", e.kind);
    }
    // Most severe first.
    assert_eq!(ev[0].severity, Severity::Medium);
}

#[test]
fn ambiguous_vendor_names_need_their_case() {
    let old = "# A\n\nWe segment our audience and paddle along.\n";
    let new = "# A\n\nWe segment our audience and paddle along with Segment.\n";
    assert_eq!(kinds(&events(old, new)), ["third_party.added Segment"]);
}

// ---- negation ------------------------------------------------------------

#[test]
fn negation_is_read() {
    let old = "# Data\n\nWe do not use cookies. We don't collect precise location.\n";
    let same = "# Data\n\nWe never use cookies. We do not collect precise location data.\n";
    assert!(
        events(old, same).is_empty(),
        "{:?}",
        kinds(&events(old, same))
    );
    let new = "# Data\n\nWe use cookies. We collect your precise location.\n";
    assert_eq!(
        kinds(&events(old, new)),
        [
            "data_category.added precise location",
            "tracking.added cookies"
        ]
    );
}

#[test]
fn negation_stops_at_the_clause() {
    let old = "# Data\n\nWe value privacy.\n";
    let new = "# Data\n\nWe do not sell data, but we use cookies.\n";
    let k = kinds(&events(old, new));
    assert!(k.contains(&"tracking.added cookies".to_string()), "{k:?}");
}

// ---- retention -------------------------------------------------------------

#[test]
fn retention_change_is_one_event_with_subject() {
    let old = "# Retention\n\nWe retain analytics data for 14 months.\n";
    let new = "# Retention\n\nWe retain analytics data for 26 months.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        ["retention.changed [analytics data] 14 months→26 months"]
    );
    assert_eq!(ev[0].severity, Severity::High);
    assert_eq!(
        ev[0].headline(),
        "analytics data retention 14 months → 26 months"
    );
    let back = events(new, old);
    assert_eq!(back[0].severity, Severity::Low);
}

#[test]
fn retention_pairs_by_sentence_when_no_subject() {
    let old = "# Deletion\n\nWhen you cancel, everything is purged within 30 days.\n\n# Other\n\nWe keep logs for 1 year.\n";
    let new = "# Deletion\n\nWhen you cancel, everything is purged within 60 days.\n\n# Other\n\nWe keep logs for 1 year.\n";
    assert_eq!(
        kinds(&events(old, new)),
        ["retention.changed 30 days→60 days"]
    );
}

#[test]
fn retention_added_removed_and_not_periods() {
    let old = "# R\n\nWe keep your data as long as necessary. Children under 16 years of age may not use it. In the past 12 months we sold nothing.\n";
    assert!(
        super::document_facts(&doc(old))
            .unwrap()
            .retention
            .is_empty()
    );
    let new =
        "# R\n\nWe keep your data as long as necessary. We store IP addresses for one year.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        [
            "data_category.added IP address",
            "retention.added [IP addresses] -→1 year"
        ]
    );
    assert_eq!(ev[0].severity, Severity::Medium);
    let ev = events(
        "# R\n\nWe keep backups for 30 days.\n",
        "# R\n\nWe keep backups forever.\n",
    );
    assert_eq!(
        kinds(&ev),
        ["retention.changed [backups] 30 days→indefinitely"]
    );
    assert_eq!(ev[0].severity, Severity::High);
}

// ---- sale, AI, children, rights, contacts ------------------------------

#[test]
fn sale_stance_changes() {
    let no = "# Sale\n\nWe do not sell your personal information.\n";
    let never = "# Sale\n\nWe never sell your data: never have, never will.\n";
    assert!(events(no, never).is_empty());
    let sale = "# Sale\n\nWe may sell your personal information to partners.\n";
    let ev = events(no, sale);
    assert_eq!(kinds(&ev), ["sale.changed no sale→sale"]);
    assert_eq!(ev[0].severity, Severity::High);
    let gone = "# Sale\n\nWe care about privacy.\n";
    let ev = events(never, gone);
    assert_eq!(kinds(&ev), ["sale.changed no sale→unstated"]);
    assert_eq!(ev[0].severity, Severity::High);
    let ev = events(gone, no);
    assert_eq!(ev[0].severity, Severity::Low);
    // Rights language and business sales are no stance.
    let rights = "# Sale\n\nYou have the right to know what personal information is sold. If we sell our business assets, data may transfer.\n";
    assert!(
        events(gone, rights)
            .iter()
            .all(|e| e.kind != "sale.changed")
    );
}

#[test]
fn sharing_for_advertising_is_a_stance() {
    let old = "# Sale\n\nWe do not sell personal information.\n";
    let new = "# Sale\n\nWe do not sell personal information. We share identifiers for cross-context behavioral advertising.\n";
    assert_eq!(
        kinds(&events(old, new)),
        [
            "purpose.added targeted advertising",
            "sale.changed no sale→sharing for advertising"
        ]
    );
}

#[test]
fn ai_training_added_and_negated() {
    let old = "# AI\n\nWe do not use your content to train AI models.\n";
    let new = "# AI\n\nWe may use your content to train our machine learning models.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["ai_training.added"]);
    assert_eq!(ev[0].severity, Severity::High);
    assert_eq!(ev[0].subject, None);
    assert_eq!(
        ev[0].headline(),
        "now trains AI models on your data or content"
    );
    assert_eq!(kinds(&events(new, old)), ["ai_training.removed"]);
}

#[test]
fn children_age_changes_but_coppa_alone_does_not_move_it() {
    let old = "# Children\n\nWe do not knowingly collect data from children under 13.\n";
    let new = "# Children\n\nWe do not knowingly collect data from children under the age of 16.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["children.age_changed 13→16"]);
    assert_eq!(ev[0].severity, Severity::Medium);
    let coppa = "# Children\n\nWe do not knowingly collect data from children under the age of 16. Under COPPA we do not collect data from children under 13.\n";
    assert!(find(&events(new, coppa), "children.age_changed").is_empty());
}

#[test]
fn user_rights_removed_is_high() {
    let old = "# Rights\n\nYou have the right to erasure and the right to data portability. You may lodge a complaint with a supervisory authority.\n";
    let new = "# Rights\n\nYou have the right to erasure. You may lodge a complaint with a supervisory authority.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["user_right.removed portability"]);
    assert_eq!(ev[0].severity, Severity::High);
    assert_eq!(events(new, old)[0].severity, Severity::Low);
}

#[test]
fn contacts_added_and_removed() {
    let old = "# Contact\n\nWrite to privacy@example.com or call us at +1 610 557 9515.\n";
    let new = "# Contact\n\nWrite to dpo@example.com or call us at +1 (610) 557-9515.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        [
            "contact.added dpo@example.com",
            "contact.removed privacy@example.com"
        ]
    );
    assert!(ev.iter().all(|e| e.severity == Severity::Info));
}

// ---- dates, sections, cosmetics ------------------------------------------

#[test]
fn effective_dates_in_every_language() {
    let cases = [
        (
            "Last updated: June 25, 2020",
            "Last updated: July 1, 2021",
            "2020-06-25",
            "2021-07-01",
        ),
        (
            "Effective January 1, 2020",
            "Effective March 3, 2021",
            "2020-01-01",
            "2021-03-03",
        ),
        (
            "Senast uppdaterad: 29 oktober 2024",
            "Senast uppdaterad: 3 mars 2025",
            "2024-10-29",
            "2025-03-03",
        ),
        (
            "Dernière mise à jour : 3 mars 2024",
            "Dernière mise à jour : 1er juin 2024",
            "2024-03-03",
            "2024-06-01",
        ),
        (
            "Stand: 01.02.2024",
            "Stand: 15.03.2025",
            "2024-02-01",
            "2025-03-15",
        ),
        (
            "Última actualización: 5 de marzo de 2024",
            "Última actualización: 7 de abril de 2025",
            "2024-03-05",
            "2025-04-07",
        ),
    ];
    for (a, b, from, to) in cases {
        let old = format!("# Policy\n\n{a}\n\nSome text.\n");
        let new = format!("# Policy\n\n{b}\n\nSome text.\n");
        let ev = events(&old, &new);
        assert_eq!(ev.len(), 1, "{a}: {:?}", kinds(&ev));
        assert_eq!(ev[0].kind, "effective_date.changed");
        assert_eq!(ev[0].from.as_deref(), Some(from), "{a}");
        assert_eq!(ev[0].to.as_deref(), Some(to), "{b}");
        assert_eq!(ev[0].severity, Severity::Info);
    }
}

#[test]
fn effective_date_wrapped_onto_the_next_line() {
    let old = "Privacy Policy\n\nEffective January\n\n1, 2020\n\nWe respect your privacy.\n";
    let new = "Privacy Policy\n\nEffective February\n\n2, 2021\n\nWe respect your privacy.\n";
    let ev = events(old, new);
    let e = find(&ev, "effective_date.changed");
    assert_eq!(e.len(), 1, "{:?}", kinds(&ev));
    assert_eq!(e[0].from.as_deref(), Some("2020-01-01"));
    assert_eq!(e[0].to.as_deref(), Some("2021-02-02"));
}

#[test]
fn a_part_split_off_under_a_new_heading_is_an_added_section() {
    let ident = "When you sign up, we ask for your name, company name and email address so that you can personalise your new account and we can send you invoices and updates.";
    let billing = "When you pay, we ask for your credit card and billing address so that we can charge you for the service, calculate the taxes due and print your invoices.";
    let old = format!(
        "# Policy\n\n## Identity\n\n{ident}\n\n{billing}\n\n## Cookies\n\nWe use cookies to keep you signed in to your account.\n"
    );
    let new = format!(
        "# Policy\n\n## Identity\n\n{ident}\n\n## Billing\n\n{billing}\n\n## Cookies\n\nWe use cookies to keep you signed in to your account.\n"
    );
    let ev = events(&old, &new);
    assert_eq!(kinds(&ev), ["section.added Billing"]);
    assert_eq!(ev[0].section.old, None);
    // Merging it back keeps its text: no event.
    let ev = events(&new, &old);
    assert!(ev.is_empty(), "{:?}", kinds(&ev));
}

#[test]
fn a_section_cut_into_many_headed_parts_is_a_markup_change() {
    let paras = [
        "Binance collects and processes your personal data through its websites and applications.",
        "This notice applies to all processing carried out by us across platforms and departments.",
        "It applies together with any terms of business and other contractual documents we have.",
        "We may update this notice from time to time and post the new version on this page.",
        "Please read it carefully together with the cookie notice that explains our use of cookies.",
    ];
    let old = format!(
        "# Notice\n\n{}\n\n## Contact\n\nWrite to our support team with any question.\n",
        paras.join("\n\n")
    );
    let headed: Vec<String> = paras.iter().map(|p| format!("#### {p}\n\n{p}")).collect();
    let new = format!(
        "# Notice\n\n{}\n\n## Contact\n\nWrite to our support team with any question.\n",
        headed.join("\n\n")
    );
    let ev = events(&old, &new);
    assert!(find(&ev, "section.added").is_empty(), "{:?}", kinds(&ev));
}

#[test]
fn a_heading_that_changes_only_its_date_is_no_rename() {
    let body = "We explain here which personal data we collect, why we collect it and how long we keep it.";
    let old = format!(
        "# Privacy\n\n{body}\n\n## Updated September 18, 2024\n\nThe changes are listed below for your convenience.\n"
    );
    let new = format!(
        "# Privacy\n\n{body}\n\n## Updated January 31, 2025\n\nThe changes are listed below for your convenience.\n"
    );
    let ev = events(&old, &new);
    assert!(find(&ev, "section.renamed").is_empty(), "{:?}", kinds(&ev));
    assert!(super::compare::only_dates_differ_for_test(
        "Stand 19.02.2024",
        "Stand 13.03.2024"
    ));
    assert!(!super::compare::only_dates_differ_for_test(
        "Cookies 2024",
        "Retention 2024"
    ));
}

#[test]
fn section_events_come_from_the_alignment() {
    let old = "# Intro\n\nHello.\n\n# Old part\n\nGone text.\n";
    let new = "# Intro\n\nHello.\n\n# New part\n\nFresh text.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        ["section.added New part", "section.removed Old part"]
    );
    assert!(ev.iter().all(|e| e.severity == Severity::Low));
    let added = find(&ev, "section.added")[0];
    assert_eq!(added.section.new.as_deref(), Some("New part"));
    assert_eq!(added.section.old, None);
}

#[test]
fn cosmetic_changes_yield_nothing() {
    let old = "# Privacy\n\nWe use Google Analytics and keep analytics data for 14 months. We do not sell your data.\n";
    let new = "# Privacy\n\nWe use  Google\u{a0}Analytics and keep analytics data for 14 months.   We don’t sell your data.\n";
    assert!(
        events(old, new).is_empty(),
        "{:?}",
        kinds(&events(old, new))
    );
    assert!(events(old, old).is_empty());
}

// ---- other languages -------------------------------------------------------

#[test]
fn french_facts() {
    let old = "# Données\n\nNous conservons vos données pendant 3 ans. Nous ne vendons pas vos données personnelles. Nous utilisons des cookies. Le RGPD s'applique.\n";
    let same = "# Données\n\nNous conservons vos données pendant 3 ans. Nous ne vendrons jamais vos données personnelles. Nous utilisons des cookies. Le règlement général sur la protection des données s'applique.\n";
    assert!(
        events(old, same).is_empty(),
        "{:?}",
        kinds(&events(old, same))
    );
    let new = "# Données\n\nNous conservons vos données pendant 5 ans. Nous vendons vos données personnelles. Nous n'utilisons pas de cookies. Le RGPD s'applique.\n";
    assert_eq!(
        kinds(&events(old, new)),
        [
            "retention.changed 3 years→5 years",
            "sale.changed no sale→sale",
            "tracking.removed cookies"
        ]
    );
}

#[test]
fn german_facts() {
    let old = "# Datenschutz\n\nWir verkaufen Ihre Daten nicht. Wir speichern Ihre IP-Adresse für 7 Tage. Es gilt die DSGVO.\n";
    let new = "# Datenschutz\n\nWir verkaufen Ihre Daten nicht. Wir speichern Ihre IP-Adresse für 14 Tage. Es gilt die Datenschutz-Grundverordnung. Wir verwenden keine Cookies.\n";
    let ev = events(old, new);
    assert_eq!(
        kinds(&ev),
        ["retention.changed [IP addresses] 7 days→14 days"]
    );
    let d = doc(old);
    let f = super::document_facts(&d).unwrap();
    assert_eq!(f.stance().0.as_str(), "no sale");
}

#[test]
fn spanish_facts() {
    let old = "# Datos\n\nNo vendemos sus datos personales. Conservamos sus datos durante 2 años. Usted tiene derecho de acceso y derecho de supresión.\n";
    let new = "# Datos\n\nNo vendemos sus datos personales. Conservamos sus datos durante 2 años. Usted tiene derecho de acceso.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["user_right.removed erasure"]);
    let d = doc(old);
    let f = super::document_facts(&d).unwrap();
    assert_eq!(f.stance().0.as_str(), "no sale");
}

#[test]
fn swedish_facts() {
    let old = "# Integritet\n\nSenast uppdaterad: 29 oktober 2024\n\nVi sparar dina uppgifter i högst 24 månader. De insamlade uppgifterna ska inte säljas. Vi använder kakor.\n";
    let new = "# Integritet\n\nSenast uppdaterad: 29 oktober 2024\n\nVi sparar dina uppgifter i högst 12 månader. De insamlade uppgifterna ska inte säljas. Vi använder kakor.\n";
    let d = doc(old);
    assert_eq!(d.language, "sv");
    let f = super::document_facts(&d).unwrap();
    assert_eq!(f.stance().0.as_str(), "no sale");
    assert!(f.subjects.keys().any(|(_, k)| k == "cookies"));
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["retention.changed 24 months→12 months"]);
    assert_eq!(ev[0].severity, Severity::Low);
}

#[test]
fn swedish_request_for_access_is_the_access_right() {
    let old = "# Integritet\n\nVi behandlar dina personuppgifter med omsorg och enligt lagen.\n";
    let new = "# Integritet\n\nVi behandlar dina personuppgifter med omsorg och enligt lagen. Du har rätt att begära tillgång till de personuppgifter vi behandlar om dig.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["user_right.added access"]);
}

#[test]
fn asking_us_at_any_time_to_delete_is_the_erasure_right() {
    let old = "# Your data\n\nWe keep the files you upload to our cloud.\n";
    let new = "# Your data\n\nWe keep the files you upload to our cloud. You can ask us at any time to delete your email address and files.\n";
    let ev = events(old, new);
    assert_eq!(kinds(&ev), ["user_right.added erasure"]);
}

#[test]
fn newest_update_history_entry_is_the_effective_date() {
    let old = "# Updates\n\nChanges to this policy will be posted here.\n\nUpdate history:\n\n2020/10/13: added information about license management.\n";
    let new = "# Updates\n\nChanges to this policy will be posted here.\n\nUpdate history:\n\n2022/03/01: added Sentry for crash reports.\n\n2020/10/13: added information about license management.\n";
    let ev = events(old, new);
    let e = find(&ev, "effective_date.changed");
    assert_eq!(e.len(), 1, "{:?}", kinds(&ev));
    assert_eq!(e[0].from.as_deref(), Some("2020-10-13"));
    assert_eq!(e[0].to.as_deref(), Some("2022-03-01"));
}

// ---- the seeds -------------------------------------------------------------

fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l == want)
}

#[test]
fn seed_facts() {
    let s0 = summary(&seed("000_9809253ca9da665a.txt"));
    for want in [
        "third_party Paddle",
        "third_party Zendesk",
        "third_party Mailchimp",
        "third_party Microsoft App Center",
        "third_party DevMate",
        "third_party Google Analytics",
    ] {
        assert!(has(&s0, want), "000 lacks {want}: {s0:?}");
    }
    assert!(
        s0.iter()
            .any(|l| l.starts_with("retention") && l.ends_with("14 months")),
        "{s0:?}"
    );

    let s1 = summary(&seed("001_d3e9af7cc998c5db.txt"));
    assert!(has(&s1, "effective Some(\"2024-10-29\")"), "{s1:?}");
    assert!(has(&s1, "stance no sale"), "{s1:?}");
    assert!(has(&s1, "third_party Google Analytics"), "{s1:?}");

    let s2 = summary(&seed("002_e5a96dd1cf53a070.txt"));
    for want in [
        "legal_framework GDPR",
        "legal_framework CCPA",
        "legal_framework CPRA",
        "legal_framework UAE PDPL",
        "legal_framework COPPA",
        "user_right erasure",
        "user_right portability",
        "retention Some(\"analytics data\") 14 months",
        "age Some(18)",
        "effective Some(\"2025-09-11\")",
    ] {
        assert!(has(&s2, want), "002 lacks {want}: {s2:?}");
    }

    let s4 = summary(&seed("004_7e01e4ee1ba5f623.txt"));
    for want in [
        "transfer_mechanism Privacy Shield",
        "legal_framework COPPA",
        "legal_framework CCPA",
        "effective Some(\"2020-01-01\")",
        "stance no sale",
    ] {
        assert!(has(&s4, want), "004 lacks {want}: {s4:?}");
    }
}

#[test]
fn seed_with_itself_has_no_events() {
    for s in [
        "000_9809253ca9da665a.txt",
        "001_d3e9af7cc998c5db.txt",
        "002_e5a96dd1cf53a070.txt",
        "004_7e01e4ee1ba5f623.txt",
    ] {
        let d = seed(s);
        let pairs = align(&d.sections, &d.sections);
        assert!(super::detect(&d, &d, &pairs).is_empty(), "{s}");
    }
}

#[test]
fn a_megabyte_pair_finds_its_one_change() {
    // Speed is measured by benches/engine.rs, never by a timed test.
    let base = crate::testdata::text("basecamp/privacy-policy/097-2023-07-27-d0a5e21.md");
    let body: String = base
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut old = String::new();
    let mut i = 0;
    // Each copy differs in every sentence, so the per-sentence cache only
    // helps across the two versions, as with a real pair.
    while old.len() < 1_000_000 {
        let copy = body.replace(" the ", &format!(" the{i} "));
        old.push_str(&format!("\n\n## Part {i}\n\n{copy}"));
        i += 1;
    }
    let new = old.replace("within 60 days", "within 90 days");
    let (o, n) = (doc(&old), doc(&new));
    let pairs = align(&o.sections, &n.sections);
    let ev = super::detect(&o, &n, &pairs);
    let retention: Vec<_> = ev
        .iter()
        .filter(|e| e.kind.starts_with("retention."))
        .collect();
    assert!(!retention.is_empty(), "{:?}", kinds(&ev));
    assert!(
        retention
            .iter()
            .all(|e| e.kind == "retention.changed" && e.to.as_deref() == Some("90 days")),
        "{:?}",
        kinds(&ev)
    );
}

#[test]
fn negation_reach_is_bounded_unless_a_list_carries_it() {
    let listed = doc(
        "# S\n\nWe do not collect sensitive personal information as defined under the CPRA (such as social security numbers, driver's license numbers, precise geolocation or biometric data).\n",
    );
    let f = super::document_facts(&listed).unwrap();
    assert!(
        f.subjects
            .keys()
            .all(|(fam, _)| *fam != super::lexicon::Family::DataCategory),
        "{:?}",
        f.subjects.keys().collect::<Vec<_>>()
    );
    let far = doc(
        "# Transferts\n\nPour les transferts vers des pays n'assurant pas un niveau de protection adéquat, la Société fait reposer ces transferts sur des clauses contractuelles types.\n",
    );
    let f = super::document_facts(&far).unwrap();
    assert!(
        f.subjects
            .keys()
            .any(|(_, k)| k == "Standard Contractual Clauses"),
        "{:?}",
        f.subjects.keys().collect::<Vec<_>>()
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Detection never panics on arbitrary text, and a text compared with
    /// itself yields no event.
    #[test]
    fn arbitrary_text_never_panics(a in "\\PC{0,300}", b in "(We (do not )?(sell|keep|use) (cookies|data|Google Analytics) for [0-9]{1,3} (days|months|år|Monate)[.,;] |Last updated: (June|juni|3 mars) [0-9]{1,2},? 20[0-9]{2}\n\n|[\\[\\]()*#@+0-9 ])*") {
        let parse = |t: &str| Document::from_text("p.txt", t).ok();
        let (Some(o), Some(n)) = (parse(&a), parse(&b)) else {
            return Ok(());
        };
        for d in [&o, &n] {
            let pairs = align(&d.sections, &d.sections);
            proptest::prop_assert!(super::detect(d, d, &pairs).is_empty());
        }
        let pairs = align(&o.sections, &n.sections);
        let _ = super::detect(&o, &n, &pairs);
    }
}
