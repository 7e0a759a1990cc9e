//! JSON Schema evolution as the Schema Registry judges it: `JsonSchema.isBackwardCompatible`
//! runs `SchemaDiff.compare(old, new)` and refuses any difference outside
//! `COMPATIBLE_CHANGES_STRICT` (the default policy; `LENIENT` is a subject setting).
//!
//! Ported from `json/diff/{SchemaDiff,ObjectSchemaDiff,ArraySchemaDiff,NumberSchemaDiff,
//! StringSchemaDiff,EnumSchemaDiff,ConstSchemaDiff,CombinedSchemaDiff,NotSchemaDiff}` over the
//! subset model of [`crate::json_schema`]. The content-model rules are the heart of it: with
//! `additionalProperties` absent or true (an *open* content model) old data may already hold any
//! property, so adding one is refused under STRICT; with `false` (closed), adding an optional
//! property is fine and removing one is not; with a schema for additional properties (partially
//! open), an added or removed property must be covered by it. Not modelled: `unevaluated*`,
//! `contains`, the Connect `connect.type` exceptions.

use crate::compat::Incompatibility;
use crate::java_order::union_order;
use crate::json_schema::{Additional, Criterion, Js};
use std::collections::BTreeSet;

const STRICT: &[&str] = &[
    "ID_CHANGED",
    "DESCRIPTION_CHANGED",
    "TITLE_CHANGED",
    "DEFAULT_CHANGED",
    "SCHEMA_REMOVED",
    "TYPE_EXTENDED",
    "MAX_LENGTH_INCREASED",
    "MAX_LENGTH_REMOVED",
    "MIN_LENGTH_DECREASED",
    "MIN_LENGTH_REMOVED",
    "PATTERN_REMOVED",
    "MAXIMUM_INCREASED",
    "MAXIMUM_REMOVED",
    "MINIMUM_DECREASED",
    "MINIMUM_REMOVED",
    "EXCLUSIVE_MAXIMUM_INCREASED",
    "EXCLUSIVE_MAXIMUM_REMOVED",
    "EXCLUSIVE_MINIMUM_DECREASED",
    "EXCLUSIVE_MINIMUM_REMOVED",
    "MULTIPLE_OF_REDUCED",
    "MULTIPLE_OF_REMOVED",
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
    "REQUIRED_ATTRIBUTE_REMOVED",
    "DEPENDENCY_ARRAY_NARROWED",
    "DEPENDENCY_ARRAY_REMOVED",
    "DEPENDENCY_SCHEMA_REMOVED",
    "MAX_PROPERTIES_INCREASED",
    "MAX_PROPERTIES_REMOVED",
    "MIN_PROPERTIES_DECREASED",
    "MIN_PROPERTIES_REMOVED",
    "ADDITIONAL_PROPERTIES_ADDED",
    "ADDITIONAL_PROPERTIES_EXTENDED",
    "UNEVALUATED_PROPERTIES_ADDED",
    "UNEVALUATED_PROPERTIES_EXTENDED",
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "MAX_ITEMS_INCREASED",
    "MAX_ITEMS_REMOVED",
    "MIN_ITEMS_DECREASED",
    "MIN_ITEMS_REMOVED",
    "MAX_CONTAINS_INCREASED",
    "MAX_CONTAINS_REMOVED",
    "MIN_CONTAINS_DECREASED",
    "MIN_CONTAINS_REMOVED",
    "UNIQUE_ITEMS_REMOVED",
    "ADDITIONAL_ITEMS_ADDED",
    "ADDITIONAL_ITEMS_EXTENDED",
    "UNEVALUATED_ITEMS_ADDED",
    "UNEVALUATED_ITEMS_EXTENDED",
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "ENUM_ARRAY_EXTENDED",
    "COMBINED_TYPE_EXTENDED",
    "PRODUCT_TYPE_NARROWED",
    "SUM_TYPE_EXTENDED",
    "NOT_TYPE_NARROWED",
];

/// Added to [`STRICT`] under the LENIENT policy.
const LENIENT_EXTRA: &[&str] = &[
    "ADDITIONAL_PROPERTIES_NARROWED",
    "ADDITIONAL_PROPERTIES_REMOVED",
    "UNEVALUATED_PROPERTIES_NARROWED",
    "UNEVALUATED_PROPERTIES_REMOVED",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
];

/// `CompatibilityPolicy` for JSON Schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Strict,
    Lenient,
}

impl Policy {
    /// Does this policy accept a difference of this kind?
    pub fn allows(self, kind: &str) -> bool {
        is_compatible_change(kind, self)
    }
}

fn is_compatible_change(kind: &str, policy: Policy) -> bool {
    STRICT.contains(&kind) || (policy == Policy::Lenient && LENIENT_EXTRA.contains(&kind))
}

/// One difference: its type and the registry's `#/…` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub kind: &'static str,
    pub path: String,
}

impl Difference {
    /// `json.diff.Difference.toString`, `%s` for the roles.
    fn template(&self) -> String {
        let p = &self.path;
        let k = self.kind;
        let has = |list: &[&str]| list.contains(&k);
        let d = if k.ends_with("_ADDED")
            && has(&[
                "MAXIMUM_ADDED",
                "MINIMUM_ADDED",
                "EXCLUSIVE_MAXIMUM_ADDED",
                "EXCLUSIVE_MINIMUM_ADDED",
                "MULTIPLE_OF_ADDED",
                "MAX_LENGTH_ADDED",
                "MIN_LENGTH_ADDED",
                "PATTERN_ADDED",
                "REQUIRED_ATTRIBUTE_ADDED",
                "MAX_PROPERTIES_ADDED",
                "MIN_PROPERTIES_ADDED",
                "DEPENDENCY_ARRAY_ADDED",
                "DEPENDENCY_SCHEMA_ADDED",
                "MAX_ITEMS_ADDED",
                "MIN_ITEMS_ADDED",
                "UNIQUE_ITEMS_ADDED",
            ])
            || has(&["ADDITIONAL_ITEMS_REMOVED", "ADDITIONAL_PROPERTIES_REMOVED"])
        {
            format!("The keyword at path '{p}' in the %s schema is not present in the %s schema")
        } else if has(&[
            "MIN_LENGTH_INCREASED",
            "MINIMUM_INCREASED",
            "EXCLUSIVE_MINIMUM_INCREASED",
            "MIN_PROPERTIES_INCREASED",
            "MULTIPLE_OF_EXPANDED",
            "MIN_ITEMS_INCREASED",
        ]) {
            format!(
                "The value at path '{p}' in the %s schema is more than its value in the %s schema"
            )
        } else if has(&[
            "MAX_LENGTH_DECREASED",
            "MAXIMUM_DECREASED",
            "MAX_ITEMS_DECREASED",
            "EXCLUSIVE_MAXIMUM_DECREASED",
            "MAX_PROPERTIES_DECREASED",
        ]) {
            format!(
                "The value at path '{p}' in the %s schema is less than its value in the %s schema"
            )
        } else if has(&[
            "PATTERN_CHANGED",
            "MULTIPLE_OF_CHANGED",
            "DEPENDENCY_ARRAY_CHANGED",
        ]) {
            format!("The value at path '{p}' is different between the %s and %s schema")
        } else if has(&[
            "ADDITIONAL_ITEMS_NARROWED",
            "ENUM_ARRAY_NARROWED",
            "SUM_TYPE_NARROWED",
            "ADDITIONAL_PROPERTIES_NARROWED",
        ]) {
            format!("An array or combined type at path '{p}' has fewer elements in the %s schema than the %s schema")
        } else if has(&[
            "DEPENDENCY_ARRAY_EXTENDED",
            "PRODUCT_TYPE_EXTENDED",
            "SUM_TYPE_EXTENDED",
            "NOT_TYPE_EXTENDED",
        ]) {
            format!("An array or combined type at path '{p}' has more elements in the %s schema than the %s schema")
        } else if has(&[
            "TYPE_CHANGED",
            "TYPE_NARROWED",
            "COMBINED_TYPE_CHANGED",
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            "ENUM_ARRAY_CHANGED",
        ]) {
            format!("A type at path '{p}' is different between the %s schema and the %s schema")
        } else if k == "SCHEMA_TOO_COMPLEX" {
            format!("The check would compare more than {COMPARISONS_MAX} pairs of schemas; it was stopped")
        } else if has(&[
            "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
            "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
            "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        ]) {
            format!("The %s schema has an open content model and has a property or item at path '{p}' which is missing in the %s schema")
        } else if k == "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" {
            format!("The %s schema has an unopen content model and has a required property at path '{p}' which is missing in the %s schema")
        } else if has(&[
            "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
            "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        ]) {
            format!("The %s has a closed content model and is missing a property or item present at path '{p}' in the %s schema")
        } else if has(&[
            "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
            "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        ]) {
            format!("A property or item is missing in the %s schema but present at path '{p}' in the %s schema and is not covered by its partially open content model")
        } else if has(&[
            "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
            "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        ]) {
            format!("The %s schema has a property or item at path '{p}' which is missing in the %s schema and is not covered by its partially open content model")
        } else {
            String::new()
        };
        format!("{{errorType:\"{k}\", description:\"{d}'}}")
    }
}

/// Most schema pairs one check compares. Combined schemas compare every old subschema with
/// every new one, so nested `anyOf`s could otherwise take exponential time.
pub const COMPARISONS_MAX: u64 = 1_000_000;

struct Ctx<'b> {
    policy: Policy,
    path: Vec<String>,
    diffs: Vec<Difference>,
    /// Comparisons done, shared with sub-contexts.
    budget: &'b std::cell::Cell<u64>,
}

impl<'b> Ctx<'b> {
    fn sub(&self) -> Ctx<'b> {
        Ctx {
            policy: self.policy,
            path: self.path.clone(),
            diffs: Vec::new(),
            budget: self.budget,
        }
    }
    fn add(&mut self, kind: &'static str) {
        self.diffs.push(Difference {
            kind,
            path: format!("#/{}", self.path.join("/")),
        });
    }
    fn add_at(&mut self, attr: &str, kind: &'static str) {
        self.path.push(attr.to_string());
        self.add(kind);
        self.path.pop();
    }
    fn compatible(&self) -> bool {
        self.diffs
            .iter()
            .all(|d| is_compatible_change(d.kind, self.policy))
    }
    fn enter(&mut self, p: &str) {
        self.path.push(p.to_string());
    }
    fn leave(&mut self) {
        self.path.pop();
    }
}

/// Every difference from `original` to `update` (`SchemaDiff.compare`).
///
/// A check that would compare more than [`COMPARISONS_MAX`] schema pairs stops and reports
/// `SCHEMA_TOO_COMPLEX` (not a registry error type: the registry has no such bound), which
/// counts as incompatible.
pub fn compare(original: &Js, update: &Js, policy: Policy) -> Vec<Difference> {
    let budget = std::cell::Cell::new(0);
    let mut ctx = Ctx {
        policy,
        path: Vec::new(),
        diffs: Vec::new(),
        budget: &budget,
    };
    cmp(&mut ctx, Some(original), Some(update));
    if budget.get() > COMPARISONS_MAX {
        ctx.path.clear();
        ctx.add("SCHEMA_TOO_COMPLEX");
    }
    ctx.diffs
}

/// `JsonSchema.isBackwardCompatible` under STRICT: the incompatible differences from old to new.
pub(crate) fn backward_incompatibilities(new: &Js, old: &Js) -> Vec<Incompatibility> {
    compare(old, new, Policy::Strict)
        .into_iter()
        .filter(|d| !is_compatible_change(d.kind, Policy::Strict))
        .map(|d| Incompatibility {
            error_type: d.kind.to_string(),
            path: d.path.clone(),
            template: d.template(),
        })
        .collect()
}

fn cmp(ctx: &mut Ctx, o: Option<&Js>, u: Option<&Js>) {
    match (o, u) {
        (None, None) => {}
        (None, Some(_)) => ctx.add("SCHEMA_ADDED"),
        (Some(_), None) => ctx.add("SCHEMA_REMOVED"),
        (Some(o), Some(u)) => {
            ctx.budget.set(ctx.budget.get() + 1);
            if ctx.budget.get() > COMPARISONS_MAX || ctx.path.len() > crate::Limits::DEPTH_MAX * 4 {
                return;
            }
            compare_types(ctx, o, u)
        }
    }
}

fn compare_types(ctx: &mut Ctx, o: &Js, u: &Js) {
    match (o, u) {
        (
            o,
            Js::Combined {
                criterion,
                subschemas,
                ..
            },
        ) if !matches!(o, Js::Combined { .. }) => {
            if subschemas.len() == 1 {
                let mut sub = ctx.sub();
                cmp(&mut sub, Some(o), Some(&subschemas[0]));
                if sub.compatible() {
                    ctx.diffs.extend(sub.diffs);
                    return;
                }
            } else if matches!(criterion, Criterion::AnyOf | Criterion::OneOf) {
                for s in subschemas {
                    let mut sub = ctx.sub();
                    cmp(&mut sub, Some(o), Some(s));
                    if sub.compatible() {
                        ctx.diffs.extend(sub.diffs);
                        ctx.add("SUM_TYPE_EXTENDED");
                        return;
                    }
                }
            }
        }
        (
            Js::Combined {
                criterion,
                subschemas,
                ..
            },
            u,
        ) if !matches!(u, Js::Combined { .. }) => {
            if subschemas.len() == 1 {
                let mut sub = ctx.sub();
                cmp(&mut sub, Some(&subschemas[0]), Some(u));
                if sub.compatible() {
                    ctx.diffs.extend(sub.diffs);
                    return;
                }
            } else if *criterion == Criterion::AllOf {
                for s in subschemas {
                    let mut sub = ctx.sub();
                    cmp(&mut sub, Some(s), Some(u));
                    if sub.compatible() {
                        ctx.diffs.extend(sub.diffs);
                        ctx.add("PRODUCT_TYPE_NARROWED");
                        return;
                    }
                }
            }
        }
        _ => {}
    }
    if o.class() != u.class() {
        if matches!(o, Js::False) || matches!(u, Js::Empty(_)) {
            return;
        }
        ctx.add("TYPE_CHANGED");
        return;
    }
    if let (Some(om), Some(um)) = (o.meta(), u.meta()) {
        if om.id != um.id {
            ctx.add("ID_CHANGED");
        }
        if om.title != um.title {
            ctx.add("TITLE_CHANGED");
        }
        if om.description != um.description {
            ctx.add("DESCRIPTION_CHANGED");
        }
        if om.default != um.default {
            ctx.add("DEFAULT_CHANGED");
        }
    }
    match (o, u) {
        (
            Js::Str {
                min_length: omin,
                max_length: omax,
                pattern: op,
                ..
            },
            Js::Str {
                min_length: umin,
                max_length: umax,
                pattern: up,
                ..
            },
        ) => {
            bound(
                ctx,
                "maxLength",
                *omax,
                *umax,
                [
                    "MAX_LENGTH_ADDED",
                    "MAX_LENGTH_REMOVED",
                    "MAX_LENGTH_INCREASED",
                    "MAX_LENGTH_DECREASED",
                ],
            );
            bound(
                ctx,
                "minLength",
                *omin,
                *umin,
                [
                    "MIN_LENGTH_ADDED",
                    "MIN_LENGTH_REMOVED",
                    "MIN_LENGTH_INCREASED",
                    "MIN_LENGTH_DECREASED",
                ],
            );
            match (op, up) {
                (None, Some(_)) => ctx.add_at("pattern", "PATTERN_ADDED"),
                (Some(_), None) => ctx.add_at("pattern", "PATTERN_REMOVED"),
                (Some(a), Some(b)) if a != b => ctx.add_at("pattern", "PATTERN_CHANGED"),
                _ => {}
            }
        }
        (
            Js::Num {
                integer: oi,
                minimum: omin,
                maximum: omax,
                exclusive_minimum: oemin,
                exclusive_maximum: oemax,
                multiple_of: omul,
                ..
            },
            Js::Num {
                integer: ui,
                minimum: umin,
                maximum: umax,
                exclusive_minimum: uemin,
                exclusive_maximum: uemax,
                multiple_of: umul,
                ..
            },
        ) => {
            fbound(
                ctx,
                "maximum",
                *omax,
                *umax,
                [
                    "MAXIMUM_ADDED",
                    "MAXIMUM_REMOVED",
                    "MAXIMUM_INCREASED",
                    "MAXIMUM_DECREASED",
                ],
            );
            fbound(
                ctx,
                "minimum",
                *omin,
                *umin,
                [
                    "MINIMUM_ADDED",
                    "MINIMUM_REMOVED",
                    "MINIMUM_INCREASED",
                    "MINIMUM_DECREASED",
                ],
            );
            fbound(
                ctx,
                "exclusiveMaximum",
                *oemax,
                *uemax,
                [
                    "EXCLUSIVE_MAXIMUM_ADDED",
                    "EXCLUSIVE_MAXIMUM_REMOVED",
                    "EXCLUSIVE_MAXIMUM_INCREASED",
                    "EXCLUSIVE_MAXIMUM_DECREASED",
                ],
            );
            fbound(
                ctx,
                "exclusiveMinimum",
                *oemin,
                *uemin,
                [
                    "EXCLUSIVE_MINIMUM_ADDED",
                    "EXCLUSIVE_MINIMUM_REMOVED",
                    "EXCLUSIVE_MINIMUM_INCREASED",
                    "EXCLUSIVE_MINIMUM_DECREASED",
                ],
            );
            match (omul, umul) {
                (None, None) => {}
                (None, Some(_)) => ctx.add_at("multipleOf", "MULTIPLE_OF_ADDED"),
                (Some(_), None) => ctx.add_at("multipleOf", "MULTIPLE_OF_REMOVED"),
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => {
                    let divides =
                        |x: f64, y: f64| y != 0.0 && ((x / y) - (x / y).round()).abs() < 1e-9;
                    if divides(*b, *a) {
                        ctx.add_at("multipleOf", "MULTIPLE_OF_EXPANDED");
                    } else if divides(*a, *b) {
                        ctx.add_at("multipleOf", "MULTIPLE_OF_REDUCED");
                    } else {
                        ctx.add_at("multipleOf", "MULTIPLE_OF_CHANGED");
                    }
                }
            }
            if oi != ui {
                ctx.add(if *oi {
                    "TYPE_EXTENDED"
                } else {
                    "TYPE_NARROWED"
                });
            }
        }
        (Js::Const { value: a, .. }, Js::Const { value: b, .. }) if a != b => {
            ctx.add_at("const", "ENUM_ARRAY_CHANGED")
        }
        (Js::Enum { values: a, .. }, Js::Enum { values: b, .. }) => {
            let contains_all =
                |x: &[serde_json::Value], y: &[serde_json::Value]| y.iter().all(|v| x.contains(v));
            if !(contains_all(a, b) && contains_all(b, a)) {
                if contains_all(b, a) {
                    ctx.add_at("enum", "ENUM_ARRAY_EXTENDED");
                } else if contains_all(a, b) {
                    ctx.add_at("enum", "ENUM_ARRAY_NARROWED");
                } else {
                    ctx.add_at("enum", "ENUM_ARRAY_CHANGED");
                }
            }
        }
        (
            Js::Combined {
                criterion: oc,
                subschemas: os,
                ..
            },
            Js::Combined {
                criterion: uc,
                subschemas: us,
                ..
            },
        ) => combined(ctx, *oc, os, *uc, us),
        (
            Js::Not {
                must_not_match: a, ..
            },
            Js::Not {
                must_not_match: b, ..
            },
        ) => {
            ctx.enter("not");
            let mut sub = ctx.sub();
            cmp(&mut sub, Some(b), Some(a));
            ctx.add(if sub.compatible() {
                "NOT_TYPE_NARROWED"
            } else {
                "NOT_TYPE_EXTENDED"
            });
            ctx.leave();
        }
        (Js::Obj { .. }, Js::Obj { .. }) => object(ctx, o, u),
        (Js::Arr { .. }, Js::Arr { .. }) => array(ctx, o, u),
        _ => {}
    }
}

fn bound(ctx: &mut Ctx, attr: &str, o: Option<u64>, u: Option<u64>, kinds: [&'static str; 4]) {
    fbound(ctx, attr, o.map(|x| x as f64), u.map(|x| x as f64), kinds)
}

fn fbound(
    ctx: &mut Ctx,
    attr: &str,
    o: Option<f64>,
    u: Option<f64>,
    [added, removed, increased, decreased]: [&'static str; 4],
) {
    match (o, u) {
        (None, Some(_)) => ctx.add_at(attr, added),
        (Some(_), None) => ctx.add_at(attr, removed),
        (Some(a), Some(b)) if a < b => ctx.add_at(attr, increased),
        (Some(a), Some(b)) if a > b => ctx.add_at(attr, decreased),
        _ => {}
    }
}

fn combined(ctx: &mut Ctx, oc: Criterion, os: &[Js], uc: Criterion, us: &[Js]) {
    let (os, us) = (dedup(os), dedup(us));
    if oc != uc {
        let extended = uc == Criterion::AnyOf
            || (os.len() == 1 && us.len() == 1)
            || (os.len() == 1 && uc == Criterion::OneOf)
            || (us.len() == 1 && oc == Criterion::AllOf);
        if !extended {
            ctx.add("COMBINED_TYPE_CHANGED");
            return;
        }
        ctx.add("COMBINED_TYPE_EXTENDED");
    }
    if os.len() < us.len() {
        ctx.add(if uc == Criterion::AllOf {
            "PRODUCT_TYPE_EXTENDED"
        } else {
            "SUM_TYPE_EXTENDED"
        });
    } else if os.len() > us.len() {
        ctx.add(if matches!(oc, Criterion::AnyOf | Criterion::OneOf) {
            "SUM_TYPE_NARROWED"
        } else {
            "PRODUCT_TYPE_NARROWED"
        });
    }
    // Compatible pairs, then a maximum matching between old and new subschemas. When several
    // maximum matchings exist, the one found here may pair subschemas differently from the
    // registry's (JGraphT's) and so report other compatible differences; the verdict, which
    // depends only on the matching's size and each pair being compatible, is the same.
    let mut edges: Vec<Vec<Option<Vec<Difference>>>> = Vec::new();
    for (i, o) in os.iter().enumerate() {
        ctx.enter(&format!("{}/{i}", oc.keyword()));
        let row = us
            .iter()
            .map(|u| {
                let mut sub = ctx.sub();
                cmp(&mut sub, Some(o), Some(u));
                sub.compatible().then_some(sub.diffs)
            })
            .collect();
        ctx.leave();
        edges.push(row);
    }
    let matched = max_matching(&edges, us.len());
    for (i, j) in matched
        .iter()
        .enumerate()
        .filter_map(|(j, i)| i.map(|i| (i, j)))
    {
        if let Some(d) = &edges[i][j] {
            ctx.diffs.extend(d.iter().cloned());
        }
    }
    let count = matched.iter().filter(|m| m.is_some()).count();
    if count < os.len().min(us.len()) {
        ctx.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED");
    }
}

/// Distinct subschemas in order (the registry collects them in a `LinkedHashSet`).
fn dedup(v: &[Js]) -> Vec<&Js> {
    let mut out: Vec<&Js> = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Kuhn's augmenting paths: for each right vertex, its matched left vertex.
fn max_matching(edges: &[Vec<Option<Vec<Difference>>>], right: usize) -> Vec<Option<usize>> {
    fn augment(
        i: usize,
        edges: &[Vec<Option<Vec<Difference>>>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for j in 0..owner.len() {
            if edges[i][j].is_some() && !seen[j] {
                seen[j] = true;
                if owner[j].is_none_or(|k| augment(k, edges, seen, owner)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    let mut owner = vec![None; right];
    for i in 0..edges.len() {
        let mut seen = vec![false; right];
        augment(i, edges, &mut seen, &mut owner);
    }
    owner
}

/// A property or item present in the old schema and gone from the new one (`kinds`: from an
/// open model, covered / not covered by a partially open one, a `false` one removed from a
/// closed model, removed from a closed model).
fn removed(ctx: &mut Ctx, old: &Js, open: bool, partial: Option<&Js>, kinds: [&'static str; 5]) {
    let [from_open, covered, not_covered, false_removed, from_closed] = kinds;
    if open {
        ctx.add(from_open);
    } else if let Some(partial) = partial {
        covered_by(ctx, old, partial, covered, not_covered);
    } else if matches!(old, Js::False) {
        ctx.add(false_removed);
    } else {
        ctx.add(from_closed);
    }
}

/// Compares `from` with `to` in a sub-context, keeps its differences, and says whether the
/// partially open content model covers the change.
fn covered_by(ctx: &mut Ctx, from: &Js, to: &Js, covered: &'static str, not_covered: &'static str) {
    let mut sub = ctx.sub();
    cmp(&mut sub, Some(from), Some(to));
    let ok = sub.compatible();
    ctx.diffs.extend(sub.diffs);
    ctx.add(if ok { covered } else { not_covered });
}

/// `ObjectSchemaDiff.isOpenContentModel`: any property may be there, with any value.
fn object_open(s: &Js) -> bool {
    matches!(s, Js::Obj { additional: Additional::Permitted, pattern_properties, .. } if pattern_properties.is_empty())
}

/// `schemaFromPartiallyOpenContentModel`: the schema a property not declared would have to
/// match (the first pattern that finds in its name, else `additionalProperties`).
fn partial_for<'a>(s: &'a Js, key: &str) -> Option<&'a Js> {
    let Js::Obj {
        pattern_properties,
        additional,
        ..
    } = s
    else {
        return None;
    };
    pattern_properties
        .iter()
        .find(|(p, _)| regex_lite::Regex::new(p).is_ok_and(|r| r.is_match(key)))
        .map(|(_, s)| s)
        .or_else(|| schema_of(additional))
}

/// `ObjectSchemaDiff.compareDependencies`.
fn dependencies(ctx: &mut Ctx, o: &Js, u: &Js) {
    let (
        Js::Obj {
            property_dependencies: opd,
            schema_dependencies: osd,
            ..
        },
        Js::Obj {
            property_dependencies: upd,
            schema_dependencies: usd,
            ..
        },
    ) = (o, u)
    else {
        return;
    };
    ctx.enter("dependencies");
    let keys =
        |m: &std::collections::BTreeMap<String, Vec<String>>| m.keys().cloned().collect::<Vec<_>>();
    for k in union_order(&keys(opd), &keys(upd)) {
        let kind = match (opd.get(&k), upd.get(&k)) {
            (Some(_), None) => Some("DEPENDENCY_ARRAY_REMOVED"),
            (None, Some(_)) => Some("DEPENDENCY_ARRAY_ADDED"),
            (Some(a), Some(b)) => {
                let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
                    (a.iter().collect(), b.iter().collect());
                if a == b {
                    None
                } else if b.is_superset(&a) {
                    Some("DEPENDENCY_ARRAY_EXTENDED")
                } else if a.is_superset(&b) {
                    Some("DEPENDENCY_ARRAY_NARROWED")
                } else {
                    Some("DEPENDENCY_ARRAY_CHANGED")
                }
            }
            (None, None) => None,
        };
        if let Some(kind) = kind {
            ctx.add_at(&k, kind);
        }
    }
    let keys = |m: &std::collections::BTreeMap<String, Js>| m.keys().cloned().collect::<Vec<_>>();
    for k in union_order(&keys(osd), &keys(usd)) {
        match (osd.get(&k), usd.get(&k)) {
            (Some(_), None) => ctx.add_at(&k, "DEPENDENCY_SCHEMA_REMOVED"),
            (None, Some(_)) => ctx.add_at(&k, "DEPENDENCY_SCHEMA_ADDED"),
            (Some(a), Some(b)) => {
                ctx.enter(&k);
                cmp(ctx, Some(a), Some(b));
                ctx.leave();
            }
            (None, None) => {}
        }
    }
    ctx.leave();
}

fn permits(a: &Additional) -> bool {
    !matches!(a, Additional::Forbidden)
}

fn schema_of(a: &Additional) -> Option<&Js> {
    match a {
        Additional::Schema(s) => Some(s),
        _ => None,
    }
}

fn object(ctx: &mut Ctx, o: &Js, u: &Js) {
    let (
        Js::Obj {
            properties: op,
            required: or,
            additional: oa,
            min_properties: ominp,
            max_properties: omaxp,
            ..
        },
        Js::Obj {
            properties: up,
            required: ur,
            additional: ua,
            min_properties: uminp,
            max_properties: umaxp,
            ..
        },
    ) = (o, u)
    else {
        return;
    };
    // required
    ctx.enter("required");
    for k in op.keys() {
        if let Some(us) = up.get(k) {
            let (was, is) = (or.contains(k), ur.contains(k));
            if was && !is {
                ctx.add_at(k, "REQUIRED_ATTRIBUTE_REMOVED");
            } else if !was && is {
                ctx.add_at(
                    k,
                    if us.has_default() {
                        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
                    } else {
                        "REQUIRED_ATTRIBUTE_ADDED"
                    },
                );
            }
        }
    }
    ctx.leave();
    // properties
    ctx.enter("properties");
    let okeys: Vec<String> = op.keys().cloned().collect();
    let ukeys: Vec<String> = up.keys().cloned().collect();
    for k in union_order(&okeys, &ukeys) {
        ctx.enter(&k);
        match (op.get(&k), up.get(&k)) {
            (Some(os), None) => removed(
                ctx,
                os,
                object_open(u),
                partial_for(u, &k),
                [
                    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
                    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                ],
            ),
            (None, Some(us)) => {
                if object_open(o) {
                    if matches!(us, Js::Empty(_)) {
                        ctx.add("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL");
                    } else if ur.contains(&k) {
                        ctx.add(if us.has_default() {
                            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
                        } else {
                            "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
                        });
                    } else {
                        ctx.add("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
                    }
                } else {
                    if let Some(partial) = partial_for(o, &k) {
                        covered_by(
                            ctx,
                            partial,
                            us,
                            "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                            "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                        );
                    }
                    if ur.contains(&k) {
                        ctx.add(if us.has_default() {
                            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
                        } else {
                            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
                        });
                    } else {
                        ctx.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
                    }
                }
            }
            (Some(os), Some(us)) => cmp(ctx, Some(os), Some(us)),
            (None, None) => {}
        }
        ctx.leave();
    }
    ctx.leave();
    dependencies(ctx, o, u);
    // additionalProperties
    ctx.enter("additionalProperties");
    if permits(oa) != permits(ua) {
        ctx.add(if permits(ua) {
            "ADDITIONAL_PROPERTIES_ADDED"
        } else {
            "ADDITIONAL_PROPERTIES_REMOVED"
        });
    } else if schema_of(oa).is_none() && schema_of(ua).is_some() {
        ctx.add("ADDITIONAL_PROPERTIES_NARROWED");
    } else if schema_of(ua).is_none() && schema_of(oa).is_some() {
        ctx.add("ADDITIONAL_PROPERTIES_EXTENDED");
    } else {
        cmp(ctx, schema_of(oa), schema_of(ua));
    }
    ctx.leave();
    bound(
        ctx,
        "maxProperties",
        *omaxp,
        *umaxp,
        [
            "MAX_PROPERTIES_ADDED",
            "MAX_PROPERTIES_REMOVED",
            "MAX_PROPERTIES_INCREASED",
            "MAX_PROPERTIES_DECREASED",
        ],
    );
    bound(
        ctx,
        "minProperties",
        *ominp,
        *uminp,
        [
            "MIN_PROPERTIES_ADDED",
            "MIN_PROPERTIES_REMOVED",
            "MIN_PROPERTIES_INCREASED",
            "MIN_PROPERTIES_DECREASED",
        ],
    );
}

fn array(ctx: &mut Ctx, o: &Js, u: &Js) {
    let (
        Js::Arr {
            all_items: oall,
            item_schemas: olist,
            additional_items: oa,
            min_items: omin,
            max_items: omax,
            unique_items: ouniq,
            ..
        },
        Js::Arr {
            all_items: uall,
            item_schemas: ulist,
            additional_items: ua,
            min_items: umin,
            max_items: umax,
            unique_items: uuniq,
            ..
        },
    ) = (o, u)
    else {
        return;
    };
    ctx.enter("items");
    cmp(ctx, oall.as_deref(), uall.as_deref());
    ctx.leave();
    let empty = Vec::new();
    let (ol, ul) = (
        olist.as_ref().unwrap_or(&empty),
        ulist.as_ref().unwrap_or(&empty),
    );
    let open = |a: &Additional| matches!(a, Additional::Permitted);
    for i in 0..ol.len().max(ul.len()) {
        ctx.enter(&format!("items/{i}"));
        match (ol.get(i), ul.get(i)) {
            (Some(a), Some(b)) => cmp(ctx, Some(a), Some(b)),
            (Some(a), None) => removed(
                ctx,
                a,
                open(ua),
                schema_of(ua),
                [
                    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
                    "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
                ],
            ),
            (None, Some(b)) => {
                if open(oa) {
                    ctx.add(if matches!(b, Js::Empty(_)) {
                        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                    } else {
                        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
                    });
                } else if let Some(partial) = schema_of(oa) {
                    covered_by(
                        ctx,
                        partial,
                        b,
                        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    );
                } else {
                    ctx.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL");
                }
            }
            (None, None) => {}
        }
        ctx.leave();
    }
    ctx.enter("additionalItems");
    if permits(oa) != permits(ua) {
        ctx.add(if permits(oa) {
            "ADDITIONAL_ITEMS_REMOVED"
        } else {
            "ADDITIONAL_ITEMS_ADDED"
        });
    } else if schema_of(oa).is_none() && schema_of(ua).is_some() {
        ctx.add("ADDITIONAL_ITEMS_NARROWED");
    } else if schema_of(ua).is_none() && schema_of(oa).is_some() {
        ctx.add("ADDITIONAL_ITEMS_EXTENDED");
    } else {
        cmp(ctx, schema_of(oa), schema_of(ua));
    }
    ctx.leave();
    bound(
        ctx,
        "maxItems",
        *omax,
        *umax,
        [
            "MAX_ITEMS_ADDED",
            "MAX_ITEMS_REMOVED",
            "MAX_ITEMS_INCREASED",
            "MAX_ITEMS_DECREASED",
        ],
    );
    bound(
        ctx,
        "minItems",
        *omin,
        *umin,
        [
            "MIN_ITEMS_ADDED",
            "MIN_ITEMS_REMOVED",
            "MIN_ITEMS_INCREASED",
            "MIN_ITEMS_DECREASED",
        ],
    );
    if ouniq != uuniq {
        ctx.add_at(
            "uniqueItems",
            if *ouniq {
                "UNIQUE_ITEMS_REMOVED"
            } else {
                "UNIQUE_ITEMS_ADDED"
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (description, original, update, compatible under STRICT, differences).
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        bool,
        &'static [&'static str],
    );

    /// Checks each case: the same differences, in order, and the same verdict.
    fn run_cases(cases: &[Case]) {
        for (description, original, update, ok, changes) in cases {
            let o = Js::parse(original).unwrap();
            let u = Js::parse(update).unwrap();
            let diffs = compare(&o, &u, Policy::Strict);
            let got: Vec<String> = diffs
                .iter()
                .map(|d| format!("{} {}", d.kind, d.path))
                .collect();
            assert_eq!(got, *changes, "{description}");
            let compatible = diffs
                .iter()
                .all(|d| is_compatible_change(d.kind, Policy::Strict));
            assert_eq!(compatible, *ok, "{description}");
        }
    }

    /// Every case of confluentinc/schema-registry
    /// `json-schema-provider/src/test/resources/diff-combined-schema-examples.json` (oneOf,
    /// anyOf, allOf and their changes): the same differences, in order, and the same verdict.
    #[test]
    fn registry_diff_combined_schema_examples() {
        let cases: &[Case] = &[
            (
                "Detect compatible change to combined schema",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"enum":["one","two","three"]},{"type":"string"},{"maxLength":5}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"maxLength":5},{"enum":["one","two","three"]},{"type":"string"}]}}}"#,
                true,
                &[],
            ),
            (
                "Detect incompatible change to combined schema",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"enum":["one","two","three"]},{"type":"string"},{"maxLength":5}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"maxLength":5},{"enum":["one","two","three"]},{"type":"number"}]}}}"#,
                false,
                &["COMBINED_TYPE_SUBSCHEMAS_CHANGED #/properties/prop1"],
            ),
            (
                "Detect combined schema with duplicates in original",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                true,
                &[],
            ),
            (
                "Detect combined schema with duplicates in update",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"},{"type":"string"}]}}}"#,
                true,
                &[],
            ),
            (
                "Detect compatible change to oneOf schema",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &["SUM_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change to oneOf schema with more types",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"boolean"},{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &["SUM_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change to oneOf schema with more properties",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string","maxLength":5}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"boolean"},{"type":"number"},{"title":"my string","type":"string","maxLength":8}]}}}"#,
                true,
                &[
                    "SUM_TYPE_EXTENDED #/properties/prop1",
                    "TITLE_CHANGED #/properties/prop1/oneOf/0",
                    "MAX_LENGTH_INCREASED #/properties/prop1/oneOf/0/maxLength",
                ],
            ),
            (
                "Detect incompatible change to oneOf schema",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                false,
                &["SUM_TYPE_NARROWED #/properties/prop1"],
            ),
            (
                "Detect compatible change to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"enum":["one","two","three"]},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                true,
                &["PRODUCT_TYPE_NARROWED #/properties/prop1"],
            ),
            (
                "Detect incompatible change to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"enum":["one","two","three"]},{"type":"string"}]}}}"#,
                false,
                &["PRODUCT_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change from oneOf to anyOf schema",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                true,
                &["COMBINED_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change from oneOf to anyOf schema with more properties",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "SUM_TYPE_EXTENDED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from allOf to anyOf schema",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                true,
                &["COMBINED_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect incompatible change from oneOf to anyOf schema with fewer properties",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                false,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "SUM_TYPE_NARROWED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from allOf to anyOf schema with more properties",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "SUM_TYPE_EXTENDED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from allOf to anyOf schema with fewer properties",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "PRODUCT_TYPE_NARROWED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from anyOf to oneOf schema with more properties",
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "SUM_TYPE_EXTENDED #/properties/prop1",
                ],
            ),
            (
                "Detect incompatible change from anyOf to oneOf schema with fewer properties",
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"number"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                false,
                &["COMBINED_TYPE_CHANGED #/properties/prop1"],
            ),
            (
                "Detect compatible change from allOf to oneOf schema with more properties",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "SUM_TYPE_EXTENDED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from allOf to oneOf schema with fewer properties",
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"},{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                true,
                &[
                    "COMBINED_TYPE_EXTENDED #/properties/prop1",
                    "PRODUCT_TYPE_NARROWED #/properties/prop1",
                ],
            ),
            (
                "Detect compatible change from anyOf to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                true,
                &["COMBINED_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change from oneOf to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                true,
                &["COMBINED_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect incompatible change from anyOf to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"},{"type":"string"}]}}}"#,
                false,
                &["COMBINED_TYPE_CHANGED #/properties/prop1"],
            ),
            (
                "Detect incompatible change from oneOf to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"string"}]}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"},{"type":"string"}]}}}"#,
                false,
                &["COMBINED_TYPE_CHANGED #/properties/prop1"],
            ),
            (
                "Detect compatible change from non-combined to anyOf schema",
                r#"{"type":"object","properties":{"prop1":{"type":"string"}}}"#,
                r#"{"type":"object","properties":{"prop1":{"anyOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &["SUM_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change from non-combined to oneOf schema",
                r#"{"type":"object","properties":{"prop1":{"type":"string"}}}"#,
                r#"{"type":"object","properties":{"prop1":{"oneOf":[{"type":"number"},{"type":"string"}]}}}"#,
                true,
                &["SUM_TYPE_EXTENDED #/properties/prop1"],
            ),
            (
                "Detect compatible change from non-combined to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"type":"string"}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"string"}]}}}"#,
                true,
                &[],
            ),
            (
                "Detect incompatible change from non-combined to allOf schema",
                r#"{"type":"object","properties":{"prop1":{"type":"string"}}}"#,
                r#"{"type":"object","properties":{"prop1":{"allOf":[{"type":"number"},{"type":"string"}]}}}"#,
                false,
                &["TYPE_CHANGED #/properties/prop1"],
            ),
        ];
        run_cases(cases);
    }

    /// Every case of confluentinc/schema-registry
    /// `json-schema-provider/src/test/resources/diff-schema-examples.json` (run there by
    /// `json/diff/SchemaDiffTest`): the same differences, in the same order, and the same
    /// verdict under STRICT.
    #[test]
    fn registry_diff_schema_examples() {
        let cases: &[Case] = &[
            ("0 Anything can change to empty schema", r##"{"properties":{}}"##, r##"{}"##, true, &[]),
            ("1 Detect changes to id", r##"{"$id":"something"}"##, r##"{"$id":"something_else"}"##, true, &["ID_CHANGED #/"]),
            ("2 Detect changes to title", r##"{"title":"something"}"##, r##"{"title":"something_else"}"##, true, &["TITLE_CHANGED #/"]),
            ("3 Detect changes to description", r##"{"description":"something"}"##, r##"{"description":"something_else"}"##, true, &["DESCRIPTION_CHANGED #/"]),
            ("4 Detect changes to simple schema type", r##"{"type":"object"}"##, r##"{"type":"array"}"##, false, &["TYPE_CHANGED #/"]),
            ("5 Detect increased minLength string schema", r##"{"type":"string","minLength":10}"##, r##"{"type":"string","minLength":11}"##, false, &["MIN_LENGTH_INCREASED #/minLength"]),
            ("6 Detect decreased minLength string schema", r##"{"type":"string","minLength":11}"##, r##"{"type":"string","minLength":10}"##, true, &["MIN_LENGTH_DECREASED #/minLength"]),
            ("7 Detect increased maxLength string schema", r##"{"type":"string","maxLength":10}"##, r##"{"type":"string","maxLength":12}"##, true, &["MAX_LENGTH_INCREASED #/maxLength"]),
            ("8 Detect decreased maxLength string schema", r##"{"type":"string","maxLength":12}"##, r##"{"type":"string","maxLength":10}"##, false, &["MAX_LENGTH_DECREASED #/maxLength"]),
            ("9 Detect removed pattern from string schema", r##"{"type":"string","pattern":"uuid"}"##, r##"{"type":"string"}"##, true, &["PATTERN_REMOVED #/pattern"]),
            ("10 Detect changes to pattern string schema", r##"{"type":"string","pattern":"date-time"}"##, r##"{"type":"string","pattern":"uuid"}"##, false, &["PATTERN_CHANGED #/pattern"]),
            ("11 Detect changes to pattern", r##"{"type":"string","pattern":"date-time"}"##, r##"{"type":"string","pattern":"date-time"}"##, true, &[]),
            ("12 Detect removed maximum number schema", r##"{"type":"number","maximum":10}"##, r##"{"type":"number"}"##, true, &["MAXIMUM_REMOVED #/maximum"]),
            ("13 Detect increased maximum number schema", r##"{"type":"number","maximum":10}"##, r##"{"type":"number","maximum":11}"##, true, &["MAXIMUM_INCREASED #/maximum"]),
            ("14 Detect decreased maximum number schema", r##"{"type":"number","maximum":11}"##, r##"{"type":"number","maximum":10}"##, false, &["MAXIMUM_DECREASED #/maximum"]),
            ("15 Detect removed minimum number schema", r##"{"type":"number","minimum":10}"##, r##"{"type":"number"}"##, true, &["MINIMUM_REMOVED #/minimum"]),
            ("16 Detect increased minimum number schema", r##"{"type":"number","minimum":10}"##, r##"{"type":"number","minimum":11}"##, false, &["MINIMUM_INCREASED #/minimum"]),
            ("17 Detect decreased minimum number schema", r##"{"type":"number","minimum":11}"##, r##"{"type":"number","minimum":10}"##, true, &["MINIMUM_DECREASED #/minimum"]),
            ("18 Detect removed multipleOf number schema", r##"{"type":"number","multipleOf":10}"##, r##"{"type":"number"}"##, true, &["MULTIPLE_OF_REMOVED #/multipleOf"]),
            ("19 Detect reduced multipleOf number schema", r##"{"type":"number","multipleOf":10}"##, r##"{"type":"number","multipleOf":2}"##, true, &["MULTIPLE_OF_REDUCED #/multipleOf"]),
            ("20 Detect changes to multipleOf number schema", r##"{"type":"number","multipleOf":10}"##, r##"{"type":"number","multipleOf":11}"##, false, &["MULTIPLE_OF_CHANGED #/multipleOf"]),
            ("21 Detect narrowed change to number schema", r##"{"type":"number"}"##, r##"{"type":"integer"}"##, false, &["TYPE_NARROWED #/"]),
            ("22 Detect extended change to number schema", r##"{"type":"integer"}"##, r##"{"type":"number"}"##, true, &["TYPE_EXTENDED #/"]),
            ("23 Detect compatible change to not schema", r##"{"not":{"type":"number"}}"##, r##"{"not":{"type":"integer"}}"##, true, &["NOT_TYPE_NARROWED #/not"]),
            ("24 Detect incompatible change to not schema", r##"{"not":{"type":"integer"}}"##, r##"{"not":{"type":"number"}}"##, false, &["NOT_TYPE_EXTENDED #/not"]),
            ("25 Detect removed enum ", r##"{"type":"string","enum":["red"]}"##, r##"{"type":"string"}"##, true, &["PRODUCT_TYPE_NARROWED #/"]),
            ("26 Detect incompatible changes to const schema", r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"foo":{"const":"red"}}}"##, r##"{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"foo":{"const":"blue"}}}"##, false, &["ENUM_ARRAY_CHANGED #/properties/foo/const"]),
            ("27 Detect incompatible changes to enum schema", r##"{"allOf":[{"type":"string"},{"enum":["red"]}]}"##, r##"{"allOf":[{"type":"string"},{"enum":["blue"]}]}"##, false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"]),
            ("28 Detect compatible changes to enum schema", r##"{"allOf":[{"type":"string"},{"enum":["red"]}]}"##, r##"{"allOf":[{"enum":["red","blue"]},{"type":"string"}]}"##, true, &["ENUM_ARRAY_EXTENDED #/allOf/1/enum"]),
            ("29 Detect changes to type array", r##"{"type":["object"]}"##, r##"{"type":["object","array"]}"##, true, &["SUM_TYPE_EXTENDED #/"]),
            ("30 Detect changes to sub schemas", r##"{"oneOf":[{"type":"string"}]}"##, r##"{"oneOf":[{"type":"number"}]}"##, false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"]),
            ("31 Detect changes to number of sub schemas", r##"{"oneOf":[{"type":"string"}]}"##, r##"{"oneOf":[{"type":"number"},{"type":"string"}]}"##, true, &["SUM_TYPE_EXTENDED #/"]),
            ("32 Detect changes to remove properties", r##"{"properties":{"foo":{"type":"string"}}}"##, r##"{"properties":{"bar":{"type":"string"}}}"##, false, &["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/foo"]),
            ("33 Detect change type of properties", r##"{"properties":{"foo":{"type":"string"}}}"##, r##"{"properties":{"foo":{"type":"number"}}}"##, false, &["TYPE_CHANGED #/properties/foo"]),
            ("34 Detect optional property added to closed content model", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":false}"##, true, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"]),
            ("35 Detect property added to partially open content model 1", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"integer"}}}"##, r##"{"properties":{"foo":{"type":"string"},"I_123":{"type":"number"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"integer"}}}"##, true, &["TYPE_EXTENDED #/properties/I_123", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_123", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/I_123"]),
            ("36 Detect property added to partially open content model 2", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, true, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"]),
            ("37 Detect property added to partially open content model 3", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":{"type":"string"}}"##, false, &["TYPE_CHANGED #/properties/bar", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"]),
            ("38 Detect property added to partially open content model 4", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"required":["bar"],"additionalProperties":{"type":"string"}}"##, false, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"]),
            ("39 Detect property removed from partially open content model 1", r##"{"properties":{"foo":{"type":"string"},"I_123":{"type":"integer"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":false,"patternProperties":{"^S_":{"type":"string"},"^I_":{"type":"number"}}}"##, true, &["TYPE_EXTENDED #/properties/I_123", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_123"]),
            ("40 Detect property removed from partially open content model 2", r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, true, &["PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"]),
            ("41 Detect property removed from partially open content model 3", r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"type":"string"}}"##, false, &["TYPE_CHANGED #/properties/bar", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"]),
            ("42 Detect property removed from partially open content model 4", r##"{"properties":{"foo":{"type":"string"},"bar":{"oneOf":[{"type":"null"},{"type":"string"}]}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"oneOf":[{"type":"null"},{"type":"string"}]}}"##, true, &["PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"]),
            ("43 Detect property removed from partially open content model 5", r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":{"oneOf":[{"type":"null"},{"type":"string"}]}}"##, true, &["SUM_TYPE_EXTENDED #/properties/bar", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar", "ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"]),
            ("44 Detect property added to open content model", r##"{"properties":{"foo":{"type":"string"}}}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}}}"##, false, &["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar"]),
            ("45 Detect changes to composed schema type", r##"{"oneOf":[{"properties":{"foo":{"type":"string"}}}]}"##, r##"{"oneOf":[{"properties":{"foo":{"type":"number"}}}]}"##, false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"]),
            ("46 Detect changes to validation criteria in composed schema type for singleton", r##"{"oneOf":[{"type":"string"}]}"##, r##"{"allOf":[{"type":"string"}]}"##, true, &["COMBINED_TYPE_EXTENDED #/"]),
            ("47 Detect changes to validation criteria in composed schema type", r##"{"oneOf":[{"type":"string"},{"type":"integer"}]}"##, r##"{"allOf":[{"type":"string"}]}"##, false, &["COMBINED_TYPE_CHANGED #/"]),
            ("48 Detect changes to dependencies as array", r##"{"properties":{"foo":{"type":"number"},"bar":{"type":"string"}},"dependencies":{"foo":["bar"]}}"##, r##"{"properties":{"foo":{"type":"number"},"bar":{"type":"string"}},"dependencies":{"bar":["foo"]}}"##, false, &["DEPENDENCY_ARRAY_ADDED #/dependencies/bar", "DEPENDENCY_ARRAY_REMOVED #/dependencies/foo"]),
            ("49 Detect compatible changes to dependencies schemas", r##"{"dependencies":{"foo":{"type":"string"},"bar":{"type":"string"}}}"##, r##"{"dependencies":{"foo":{"type":"string"}}}"##, true, &["DEPENDENCY_SCHEMA_REMOVED #/dependencies/bar"]),
            ("50 Detect compatible changes to dependencies schemas", r##"{"dependencies":{"foo":{"type":"string"}}}"##, r##"{"dependencies":{}}"##, true, &["DEPENDENCY_SCHEMA_REMOVED #/dependencies/foo"]),
            ("51 Detect incompatible changes to dependencies schemas", r##"{"dependencies":{"foo":{"type":"string"}}}"##, r##"{"dependencies":{"foo":{"type":"number"}}}"##, false, &["TYPE_CHANGED #/dependencies/foo"]),
            ("52 Detect changes to dependencies properties", r##"{"dependencies":{"foo":{"type":"string"}}}"##, r##"{"dependencies":{"bar":{"type":"string"}}}"##, false, &["DEPENDENCY_SCHEMA_ADDED #/dependencies/bar", "DEPENDENCY_SCHEMA_REMOVED #/dependencies/foo"]),
            ("53 Detect required array to be removed", r##"{"properties":{"foo":{"type":"string"}},"required":["foo"]}"##, r##"{"properties":{"foo":{"type":"string"}}}"##, true, &["REQUIRED_ATTRIBUTE_REMOVED #/required/foo"]),
            ("54 Detect required array to be added", r##"{"properties":{"foo":{"type":"string"}}}"##, r##"{"properties":{"foo":{"type":"string"}},"required":["foo"]}"##, false, &["REQUIRED_ATTRIBUTE_ADDED #/required/foo"]),
            ("55 Detect required array to be changed", r##"{"properties":{"foo":{"type":"string"}},"required":["foo"]}"##, r##"{"properties":{"foo":{"type":"string"}},"required":["bar"]}"##, true, &["REQUIRED_ATTRIBUTE_REMOVED #/required/foo"]),
            ("56 Detect removed maxProperties", r##"{"properties":{},"maxProperties":1}"##, r##"{"properties":{}}"##, true, &["MAX_PROPERTIES_REMOVED #/maxProperties"]),
            ("57 Detect increased maxProperties", r##"{"maxProperties":1}"##, r##"{"maxProperties":2}"##, true, &["MAX_PROPERTIES_INCREASED #/maxProperties"]),
            ("58 Detect decreased maxProperties", r##"{"maxProperties":2}"##, r##"{"maxProperties":1}"##, false, &["MAX_PROPERTIES_DECREASED #/maxProperties"]),
            ("59 Detect removed minProperties", r##"{"properties":{},"minProperties":2}"##, r##"{"properties":{}}"##, true, &["MIN_PROPERTIES_REMOVED #/minProperties"]),
            ("60 Detect increased minProperties", r##"{"minProperties":1}"##, r##"{"minProperties":2}"##, false, &["MIN_PROPERTIES_INCREASED #/minProperties"]),
            ("61 Detect decreased minProperties", r##"{"minProperties":2}"##, r##"{"minProperties":1}"##, true, &["MIN_PROPERTIES_DECREASED #/minProperties"]),
            ("62 Detect changes to all items schema", r##"{"type":"array"}"##, r##"{"type":"array","items":{"type":"string"}}"##, false, &["SCHEMA_ADDED #/items"]),
            ("63 Detect changes to all items schema", r##"{"type":"array","items":{"type":"string"}}"##, r##"{"type":"array"}"##, true, &["SCHEMA_REMOVED #/items"]),
            ("64 Detect changes to items schema list", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}]}"##, r##"{"type":"array"}"##, true, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/0", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1"]),
            ("65 Detect item added to partially open content model 1", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"string"}],"additionalItems":{"type":"string"}}"##, true, &["ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"]),
            ("66 Detect item added to partially open content model 2", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, false, &["TYPE_CHANGED #/items/2", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"]),
            ("67 Detect item removed from partially open content model 1", r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"string"}],"additionalItems":{"type":"string"}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, true, &["ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"]),
            ("68 Detect item removed from partially open content model 2", r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"oneOf":[{"type":"null"},{"type":"string"}]}],"additionalItems":{"oneOf":[{"type":"null"},{"type":"string"}]}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"oneOf":[{"type":"null"},{"type":"string"}]}}"##, true, &["ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"]),
            ("69 Detect item removed from partially open content model 3", r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":{"type":"string"}}"##, false, &["TYPE_CHANGED #/items/2", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2"]),
            ("70 Detect changes to items in the schema list", r##"{"type":"array","items":[{"type":"string"}]}"##, r##"{"type":"array","items":[{"type":"number"}]}"##, false, &["TYPE_CHANGED #/items/0"]),
            ("71 Detect decreased maxItems", r##"{"type":"array","maxItems":2}"##, r##"{"type":"array","maxItems":1}"##, false, &["MAX_ITEMS_DECREASED #/maxItems"]),
            ("72 Detect removed minItems", r##"{"type":"array","minItems":1}"##, r##"{"type":"array"}"##, true, &["MIN_ITEMS_REMOVED #/minItems"]),
            ("73 Detect increased minItems", r##"{"type":"array","minItems":1}"##, r##"{"type":"array","minItems":2}"##, false, &["MIN_ITEMS_INCREASED #/minItems"]),
            ("74 Detect decreased minItems", r##"{"type":"array","minItems":2}"##, r##"{"type":"array","minItems":1}"##, true, &["MIN_ITEMS_DECREASED #/minItems"]),
            ("75 Detect unique items removed", r##"{"type":"array","uniqueItems":true}"##, r##"{"type":"array"}"##, true, &["UNIQUE_ITEMS_REMOVED #/uniqueItems"]),
            ("76 Detect incompatible changes to reference schemas", r##"{"type":"array","items":{"$ref":"#/definitions/someRef"},"definitions":{"someRef":{"type":"string"}}}"##, r##"{"type":"array","items":{"$ref":"#/definitions/someRef"},"definitions":{"someRef":{"type":"number"}}}"##, false, &["TYPE_CHANGED #/items"]),
            ("77 Detect compatible change of moving to reference schema", r##"{"type":"string"}"##, r##"{"$ref":"#/definitions/someRef","definitions":{"someRef":{"type":"string"}}}"##, true, &[]),
            ("78 Detect compatible change of moving from reference schema", r##"{"$ref":"#/definitions/someRef","definitions":{"someRef":{"type":"string"}}}"##, r##"{"type":"string"}"##, true, &[]),
            ("79 Detect added boolean additional properties", r##"{"properties":{},"additionalProperties":false}"##, r##"{"properties":{}}"##, true, &["ADDITIONAL_PROPERTIES_ADDED #/additionalProperties"]),
            ("80 Detect removed boolean additional properties", r##"{"additionalProperties":true}"##, r##"{"additionalProperties":false}"##, false, &["ADDITIONAL_PROPERTIES_REMOVED #/additionalProperties"]),
            ("81 Detect narrowing changes to additional properties schema", r##"{"additionalProperties":true}"##, r##"{"additionalProperties":{"type":"number"}}"##, false, &["ADDITIONAL_PROPERTIES_NARROWED #/additionalProperties"]),
            ("82 Detect adding empty schema to open content model", r##"{"additionalProperties":true}"##, r##"{"additionalProperties":true,"properties":{"foo":true}}"##, true, &["PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/properties/foo"]),
            ("83 Detect removing empty schema from open content model", r##"{"additionalProperties":true,"properties":{"foo":true}}"##, r##"{"additionalProperties":true}"##, true, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/foo"]),
            ("84 Detect adding false to closed content model", r##"{"additionalProperties":false}"##, r##"{"additionalProperties":false,"properties":{"foo":false}}"##, true, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/foo"]),
            ("85 Detect removing false from closed content model", r##"{"additionalProperties":false,"properties":{"foo":false}}"##, r##"{"additionalProperties":false}"##, true, &["PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/foo"]),
            ("86 Detect changes to additional properties schema", r##"{"additionalProperties":{"type":"string"}}"##, r##"{"additionalProperties":{"type":"number"}}"##, false, &["TYPE_CHANGED #/additionalProperties"]),
            ("87 Detect removed boolean additional items", r##"{"additionalItems":true}"##, r##"{"additionalItems":false}"##, false, &["ADDITIONAL_ITEMS_REMOVED #/additionalItems"]),
            ("88 Detect changes to additional items schema", r##"{"additionalItems":{"type":"string"}}"##, r##"{"additionalItems":{"type":"number"}}"##, false, &["TYPE_CHANGED #/additionalItems"]),
            ("89 Detect adding empty schema to open content model for array", r##"{"type":"array","additionalItems":true,"items":[{"type":"number"}]}"##, r##"{"type":"array","additionalItems":true,"items":[{"type":"number"},true]}"##, true, &["ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"]),
            ("90 Detect removing empty schema from open content model for array", r##"{"type":"array","additionalItems":true,"items":[{"type":"number"},true]}"##, r##"{"type":"array","additionalItems":true,"items":[{"type":"number"}]}"##, true, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1"]),
            ("91 Detect adding false to closed content model for array", r##"{"type":"array","additionalItems":false,"items":[{"type":"number"}]}"##, r##"{"type":"array","additionalItems":false,"items":[{"type":"number"},false]}"##, true, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"]),
            ("92 Detect removing false from closed content model for array", r##"{"type":"array","additionalItems":false,"items":[{"type":"number"},false]}"##, r##"{"type":"array","additionalItems":false,"items":[{"type":"number"}]}"##, true, &["ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"]),
            ("93 Detect adding to closed content model for array", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"boolean"}],"additionalItems":true}"##, true, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/2", "ADDITIONAL_ITEMS_ADDED #/additionalItems"]),
            ("94 Detect removing from closed content model for array", r##"{"type":"array","items":[{"type":"string"},{"type":"number"},{"type":"boolean"}],"additionalItems":false}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":true}"##, true, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/2", "ADDITIONAL_ITEMS_ADDED #/additionalItems"]),
            ("95 Detect removing from open content model for array", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":true}"##, r##"{"type":"array","items":[{"type":"string"}],"additionalItems":true}"##, true, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1"]),
            ("96 Detect adding to closed content model for array", r##"{"type":"array","items":[{"type":"string"}],"additionalItems":false}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false}"##, true, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"]),
            ("97 Detect removing number from closed content model for array", r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":false}"##, r##"{"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"number"}}"##, true, &["ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1", "ADDITIONAL_ITEMS_ADDED #/additionalItems"]),
            ("98 Detect adding number to partially open content model for array", r##"{"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"number"}}"##, r##"{"type":"array","items":[{"type":"string"},{"type":"number"}],"additionalItems":true}"##, true, &["ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1", "ADDITIONAL_ITEMS_EXTENDED #/additionalItems"]),
            ("99 Detect change to oneOf schema", r##"{"type":"string"}"##, r##"{"oneOf":[{"type":"number"},{"type":"string"}]}"##, true, &["SUM_TYPE_EXTENDED #/"]),
            ("100 Detect change to optional oneOf schema", r##"{"type":"null"}"##, r##"{"oneOf":[{"type":"number"},{"type":"null"}]}"##, true, &["SUM_TYPE_EXTENDED #/"]),
            ("101 Detect change to oneOf schema", r##"{"oneOf":[{"type":"number"}]}"##, r##"{"oneOf":[{"type":"string"},{"type":"number"}]}"##, true, &["SUM_TYPE_EXTENDED #/"]),
            ("102 Detect change to oneOf schema", r##"{"type":"string","maxLength":3}"##, r##"{"oneOf":[{"type":"number"},{"type":"string"}]}"##, true, &["MAX_LENGTH_REMOVED #/maxLength", "SUM_TYPE_EXTENDED #/"]),
            ("103 Allow addition of un-reserved property", r##"{"properties":{"foo":{"type":"string"}},"additionalProperties":false}"##, r##"{"properties":{"foo":{"type":"string"},"bar":{"type":"string"}},"additionalProperties":false}"##, true, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/bar"]),

        ];
        run_cases(cases);
    }

    #[test]
    fn nested_combinations_are_bounded() {
        // anyOf of 10, nested 4 deep through definitions: about 30,000 schemas, but 100 pairs
        // at each level, 10^8 comparisons in all, beyond the budget.
        let schema = |bump: u64| {
            let mut defs = serde_json::Map::new();
            defs.insert("l0".into(), json!({"type": "string"}));
            for level in 0..4 {
                let subs: Vec<serde_json::Value> = (0..10)
                    .map(|i| json!({"allOf": [{"$ref": format!("#/definitions/l{level}")}, {"maxLength": i + bump}]}))
                    .collect();
                defs.insert(format!("l{}", level + 1), json!({ "anyOf": subs }));
            }
            Js::parse(&json!({"definitions": defs, "$ref": "#/definitions/l4"}).to_string())
                .unwrap()
        };
        let diffs = compare(&schema(0), &schema(1), Policy::Strict);
        assert_eq!(diffs.last().map(|d| d.kind), Some("SCHEMA_TOO_COMPLEX"));
        assert!(!diffs
            .iter()
            .all(|d| is_compatible_change(d.kind, Policy::Strict)));
    }

    /// LENIENT accepts an optional property added to an open content model; STRICT refuses it.
    #[test]
    fn lenient_policy() {
        let o = Js::parse(r#"{"type":"object","properties":{"a":{"type":"string"}}}"#).unwrap();
        let u = Js::parse(
            r#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}"#,
        )
        .unwrap();
        let d = compare(&o, &u, Policy::Strict);
        assert!(!d
            .iter()
            .all(|d| is_compatible_change(d.kind, Policy::Strict)));
        assert!(d
            .iter()
            .all(|d| is_compatible_change(d.kind, Policy::Lenient)));
    }
}
