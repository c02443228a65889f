"""The oversight report as one self-contained HTML page: no script, no network, inline SVG.

Written for a governing committee: every figure has a heading, a sentence saying what it shows
and how to read it, and a table with a caption holding the same numbers as the chart.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from vetline.oversight import charts

MEASURES = {
    "hit": (
        "Screening hits",
        "applications with a possible match on a list of other parties' candidates, members or "
        "officers, donors, or the expelled (the electoral register and duplicates not counted)",
    ),
    "referral": ("Referrals to a case", "applications sent to the conduct track for a person"),
    "exclusion": ("Exclusions", "decided applications whose final outcome was a refusal"),
}

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Membership surge — oversight report ({{ f.generated_for[:10] }})</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{margin-top:2.5rem;border-bottom:2px solid #d9e2ec}
h3{margin-top:1.6rem} .lead{color:#52606d} .note{background:#f5f7fa;border-left:4px solid #2f6fad;padding:.6rem 1rem}
.warn{background:#fdecea;border-left:4px solid #b3261e;padding:.6rem 1rem}
table{border-collapse:collapse;margin:.8rem 0;width:100%} caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #d9e2ec;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap} td.d{white-space:nowrap} .flag{color:#b3261e;font-weight:600}
dl.glance{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem} dt{font-weight:600}
figure{margin:1rem 0} figcaption{color:#52606d;font-size:.9rem}
@media print{h2{break-before:page}}
</style></head><body>
<header>
<h1>Membership surge: oversight report</h1>
<p class="lead">Figures as of {{ f.generated_for[:16].replace("T", " ") }} UTC. Ballot freeze date:
<strong>{{ f.capacity.freeze_date }}</strong>{% if f.freeze_date_assumed %} (an assumption: no freeze
date was given, so the report uses four weeks ahead; give the real one with
<code>--freeze-date</code>){% endif %}.</p>
</header>
<main>
<section aria-labelledby="glance"><h2 id="glance">At a glance</h2>
<dl class="glance">
<dt>Applications</dt><dd>{{ "{:,}".format(s.total) }}{% if s.total %} from {{ s.first_day }} to {{ s.last_day }}{% endif %}</dd>
<dt>Unusually busy periods</dt><dd>{% if s.total %}{{ s.bursts|length }} burst(s): {{ s.flagged_bins }} {{ s.unit }}(s) above the expected range{% else %}none{% endif %}</dd>
<dt>Coordinated sign-up leads</dt><dd>{{ c.leads_total }} group(s), {{ "{:,}".format(c.applications_in_leads) }} applications — leads to check, not findings</dd>
<dt>Expected exclusions</dt><dd>about {{ "{:,.0f}".format(p.expected_from_past.expected) }} ({{ "{:,}".format(p.expected_from_past.low) }} to {{ "{:,}".format(p.expected_from_past.high) }}) if this surge is like the past one; {{ "{:,}".format(p.excluded_so_far) }} so far</dd>
<dt>Review backlog</dt><dd>{{ "{:,}".format(k.backlog.needs_reviewer) }} case(s) waiting for a reviewer{% if k.backlog.awaiting_applicant %} (and {{ "{:,}".format(k.backlog.awaiting_applicant) }} waiting for the applicant){% endif %};
{% if k.clears_on_at_net_rate %}clears around {{ k.clears_on_at_net_rate }} at the current pace{% else %}does not clear at the current pace{% endif %}
— {% if k.clears_before_freeze %}before{% else %}<span class="flag">not before</span>{% endif %} the freeze date</dd>
<dt>Even-handedness</dt><dd>{% if flags %}<span class="flag">{{ flags|length }} difference(s) larger than chance</span> — see below{% else %}no difference larger than chance found{% endif %}</dd>
</dl>
<p class="note">How to read this report: each section says in a sentence what its figure shows.
Numbers in ranges (for example “1,800 to 2,300”) are the range we are 90% (or 95%, where said)
sure of. A flag is a question for the committee to ask, never a conclusion about a person or
a campaign.</p>
</section>

<section aria-labelledby="surge"><h2 id="surge">1. The surge: applications per {{ s.unit }}</h2>
{% if s.total %}
<p>Each bar is one {{ s.unit }}'s applications{% if s.unit == "hour" %} (the record covers two weeks or less, so hours show the campaigns' spikes better than days){% endif %}.
The solid line is a normal {{ s.unit }}{% if s.baseline.by_time_of_day %} at that time of day (fewer sign-ups at night){% endif %}:
the median over {{ s.baseline.period }}{% if not s.baseline.by_time_of_day %}, {{ s.baseline.median|round(1) }} applications{% endif %}.
The shaded band up to the dashed line is what a normal {{ s.unit }} can bring by chance
({{ s.baseline.model }} model, {{ (s.baseline.level * 100)|round(1) }}% level). Red bars marked ▼ are above that range:
something — usually a campaign — drove sign-ups.</p>
<figure>{{ surge_chart }}<figcaption>Applications per {{ s.unit }}, {{ s.first_day }} to {{ s.last_day }} (UTC); {{ s.flagged_bins }} {{ s.unit }}(s) above the expected range, in red.</figcaption></figure>
<table><caption>Bursts: runs of {{ s.unit }}s above the expected range ({{ s.bursts|length }})</caption>
<thead><tr><th>From</th><th>To</th><th class="n">Applications</th><th class="n">Normal {{ s.unit }}s would bring</th><th>Largest campaign</th></tr></thead><tbody>
{% for b in s.bursts %}<tr><td class="d">{{ b.start }}</td><td class="d">{{ b.end }}</td><td class="n">{{ "{:,}".format(b.applications) }}</td><td class="n">{{ "{:,.0f}".format(b.expected) }}</td><td>{{ b.top_source }}</td></tr>
{% else %}<tr><td colspan="5">No {{ s.unit }} was above the expected range.</td></tr>{% endfor %}
</tbody></table>
<table><caption>Where the applications came from (the <code>source</code> campaign each applicant gave)</caption>
<thead><tr><th>Campaign</th><th class="n">Applications</th><th class="n">In the bursts</th><th class="n">Above its normal level</th><th class="n">Share of the bursts' excess</th></tr></thead><tbody>
{% for r in s.sources %}<tr><td>{{ r.source }}</td><td class="n">{{ "{:,}".format(r.applications) }}</td><td class="n">{{ "{:,}".format(r.in_flagged_periods) }}</td><td class="n">{{ "{:,.0f}".format(r.excess) }}</td><td class="n">{{ "{:.0%}".format(r.share_of_excess) }}</td></tr>{% endfor %}
</tbody></table>
<p>“Above its normal level” is how many more applications a campaign brought during the bursts than its own rate in normal {{ s.unit }}s would explain.</p>
{% else %}<p>No applications yet.</p>{% endif %}
</section>

<section aria-labelledby="coord"><h2 id="coord">2. Coordinated sign-ups</h2>
<p>Groups of at least {{ c.min_size }} applications made within {{ c.window_hours|round(0)|int }} hours of each other that share an
email address, phone number, payment fingerprint, street address or an uncommon email domain. Groups that signed up minutes
apart come first. Families and housemates
share addresses (and sometimes a card), so a group living at one address is marked as probably
one household and listed last. These
are <strong>leads for a reviewer to look at, with their evidence — never verdicts</strong>.</p>
<table><caption>Leads, strongest first ({{ c.leads_total }} in all{% if c.leads_total > c.leads|length %}; the first {{ c.leads|length }} shown{% endif %})</caption>
<thead><tr><th class="n">Lead</th><th class="n">Applications</th><th>What they share (links)</th><th>When</th><th>Campaigns</th><th>Application ids</th></tr></thead><tbody>
{% for l in c.leads %}<tr><td class="n">{{ l.lead }}</td><td class="n">{{ l.size }}</td>
<td>{% for k, n in l.shared.items() %}{{ k.replace("_", " ") }} ({{ n }}){% if not loop.last %}, {% endif %}{% endfor %}{% if l.address_only or l.one_household %} — probably one household{% endif %}</td>
<td>{{ l.first_at[:16].replace("T", " ") }}, over {{ l.span_hours }} h ({{ gap(l.median_gap_minutes) }} apart, typically)</td>
<td>{% for src, n in l.sources.items() %}{{ src }} ({{ n }}){% if not loop.last %}, {% endif %}{% endfor %}</td>
<td>{{ l.application_ids[:12]|join(", ") }}{% if l.size > 12 %}, …{% endif %}</td></tr>
{% else %}<tr><td colspan="6">No group of applications shares details in a short window.</td></tr>{% endfor %}
</tbody></table>
</section>

<section aria-labelledby="proj"><h2 id="proj">3. How many exclusions to expect</h2>
<p>In a past surge {{ "{:,}".format(p.past.excluded) }} of {{ "{:,}".format(p.past.total) }} applications
({{ "{:.2%}".format(p.past.rate) }}) were excluded. If this surge is like that one, of its
{{ "{:,}".format(p.applications) }} applications about <strong>{{ "{:,.0f}".format(p.expected_from_past.expected) }}</strong>
would be excluded — we are {{ (p.level * 100)|round|int }}% sure of between {{ "{:,}".format(p.expected_from_past.low) }} and {{ "{:,}".format(p.expected_from_past.high) }}
(a Beta-Binomial credible interval).
So far {{ "{:,}".format(p.decided_so_far) }} applications have been decided and {{ "{:,}".format(p.excluded_so_far) }} excluded.</p>
{% if p.observed_outside_past_interval %}<p class="warn">The exclusions so far fall outside what the past surge would predict for the
{{ "{:,}".format(p.decided_so_far) }} decided ({{ "{:,}".format(p.expected_so_far_from_past.low) }} to {{ "{:,}".format(p.expected_so_far_from_past.high) }}): this surge — or the way it is being vetted — is not like the past one.</p>{% endif %}
<figure>{{ projection_chart }}<figcaption>Bars: the range of exclusions we expect; thick line: the central estimate; red diamond: what has been observed.</figcaption></figure>
<table><caption>Projected exclusions ({{ (p.level * 100)|round|int }}% ranges)</caption>
<thead><tr><th>What</th><th class="n">Central estimate</th><th class="n">From</th><th class="n">To</th><th class="n">Observed</th></tr></thead><tbody>
<tr><td>Whole surge, at the past surge's rate</td><td class="n">{{ "{:,.0f}".format(p.expected_from_past.expected) }}</td><td class="n">{{ "{:,}".format(p.expected_from_past.low) }}</td><td class="n">{{ "{:,}".format(p.expected_from_past.high) }}</td><td class="n">—</td></tr>
<tr><td>Decided so far, at the past surge's rate</td><td class="n">{{ "{:,.0f}".format(p.expected_so_far_from_past.expected) }}</td><td class="n">{{ "{:,}".format(p.expected_so_far_from_past.low) }}</td><td class="n">{{ "{:,}".format(p.expected_so_far_from_past.high) }}</td><td class="n">{{ "{:,}".format(p.excluded_so_far) }}</td></tr>
{% if p.expected_from_observed %}<tr><td>Whole surge, at this surge's own rate so far</td><td class="n">{{ "{:,.0f}".format(p.expected_from_observed.expected) }}</td><td class="n">{{ "{:,}".format(p.expected_from_observed.low) }}</td><td class="n">{{ "{:,}".format(p.expected_from_observed.high) }}</td><td class="n">—</td></tr>{% endif %}
</tbody></table>
</section>

<section aria-labelledby="cap"><h2 id="cap">4. Is the review keeping up?</h2>
<p>{{ "{:,}".format(k.backlog.needs_reviewer) }} open case(s) wait for a reviewer{% if k.backlog.awaiting_applicant %}, and
{{ "{:,}".format(k.backlog.awaiting_applicant) }} more wait for the applicant to answer a fix-it notice (they come back to us if the applicant
responds, or for confirmation in bulk once the deadline passes){% endif %}. Over the last {{ k.window_days }} days reviewers closed
{{ "{:,}".format(k.closed_in_window) }} cases ({{ k.throughput_per_day }} a day, {{ k.active_reviewers }} reviewer(s) at work,
{{ k.per_reviewer_per_day }} a day each) while {{ "{:,}".format(k.opened_in_window) }} new cases for a reviewer arrived ({{ k.inflow_per_day }} a day).
{% if k.clears_on_at_net_rate %}At that pace the backlog clears around <strong>{{ k.clears_on_at_net_rate }}</strong>{% else %}At that pace the backlog <strong>does not clear</strong>: cases arrive at least as fast as they are closed{% endif %};
the ballot freezes on <strong>{{ k.freeze_date }}</strong> ({{ k.days_until_freeze }} days away).
{% if k.reviewers_needed is not none %}To clear everything in time, including the cases still expected to arrive, about
<strong>{{ k.reviewers_needed }} reviewer(s)</strong> working at today's pace are needed.{% else %}The reviewers needed cannot be estimated yet: no cases were closed recently, or the freeze date has passed.{% endif %}
{% if k.not_yet_screened %} A further {{ "{:,}".format(k.not_yet_screened) }} applications have not been screened yet and may add cases.{% endif %}</p>
{% if not k.clears_before_freeze %}<p class="warn">At the current pace, people with open cases risk losing their vote because their case will not be decided before the freeze date.</p>{% endif %}
<figure>{{ backlog_chart }}<figcaption>Open cases at the end of each day, last {{ k.history|length }} days.</figcaption></figure>
<table><caption>Open cases by track</caption><thead><tr><th>Track</th><th class="n">Open cases</th></tr></thead><tbody>
{% for t, n in k.backlog.by_track.items() %}<tr><td>{{ t }}</td><td class="n">{{ "{:,}".format(n) }}</td></tr>{% else %}<tr><td colspan="2">No open cases.</td></tr>{% endfor %}
</tbody></table>
<table><caption>Cases closed per reviewer, last {{ k.window_days }} days</caption><thead><tr><th>Reviewer</th><th class="n">Closed</th><th class="n">Per day</th></tr></thead><tbody>
{% for r in k.by_reviewer %}<tr><td>{{ r.reviewer }}</td><td class="n">{{ r.closed }}</td><td class="n">{{ r.per_day }}</td></tr>{% else %}<tr><td colspan="3">No case was closed in this period.</td></tr>{% endfor %}
</tbody></table>
</section>

<section aria-labelledby="fair"><h2 id="fair">5. Is every campaign, reviewer and region treated alike?</h2>
<p>For each campaign (and below, each reviewer and each postcode area) we show how often something happened, with the
range we are 95% sure of. A star ★ and red mark a group whose rate differs from the others by
more than chance would explain. The test goes step by step: if the groups' rates differ more
than chance would explain (a chi-square test; p-value below {{ f.options.alpha }}), the group most
unlike the rest (chi-square, or Fisher's exact test for small numbers) is flagged and set
aside, and the remaining groups are tested again, until they are alike. A flag is a question: a campaign can differ for good reasons
(for example, a rival party's supporters answering a call), and the committee should ask which.</p>
{% for key, label, what, word, t, chart in fairness %}
<h3>{{ label }} by {{ word }}: {{ what }}</h3>
{% if t.groups %}<figure>{{ chart }}<figcaption>Dots: each group's rate; whiskers: its 95% range; dashed line: the overall rate ({{ "{:.1%}".format(t.overall_rate or 0) }}). Overall test: p = {{ "{:.3g}".format(t.p_value) }}.</figcaption></figure>
<table><caption>{{ label }} by {{ word }}</caption>
<thead><tr><th>{{ word|capitalize }}</th><th class="n">Of</th><th class="n">Count</th><th class="n">Rate</th><th class="n">95% range</th><th class="n">Rate in the other groups</th><th>Flag</th></tr></thead><tbody>
{% for r in t.groups %}<tr><td>{{ r.group }}</td><td class="n">{{ "{:,}".format(r.trials) }}</td><td class="n">{{ "{:,}".format(r.events) }}</td><td class="n">{{ "{:.1%}".format(r.rate) }}</td><td class="n">{{ "{:.1%}".format(r.low) }}–{{ "{:.1%}".format(r.high) }}</td><td class="n">{{ "{:.1%}".format(r.rate_elsewhere) if r.rate_elsewhere is not none else "—" }}</td><td>{% if r.flagged %}<span class="flag">★ {{ r.direction or "different" }} than the others, by more than chance</span>{% endif %}</td></tr>{% endfor %}
</tbody></table>
<p>The test, step by step: {% for st in t.steps %}{{ st.groups }} groups compared, p = {{ "{:.3g}".format(st.p_value) }} — {% if st.flagged %}<span class="flag">{{ st.flagged }} set aside as different</span>{% else %}no difference larger than chance{% endif %}{% if not loop.last %}; {% endif %}{% endfor %}.</p>
{% else %}<p>Nothing to compare yet.</p>{% endif %}
{% endfor %}
</section>

<section aria-labelledby="method"><h2 id="method">Settings used</h2>
<table><caption>The options this report was produced with (see docs/oversight.md)</caption><tbody>
{% for k2, v in f.options.items() %}<tr><th>{{ k2.replace("_", " ") }}</th><td>{{ v if v is not none else "default" }}</td></tr>{% endfor %}
</tbody></table>
</section>
</main></body></html>
"""  # noqa: E501, RUF001 - HTML is easier to read unwrapped


def _gap(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.0f} h"


def render(f: dict[str, Any]) -> str:
    """The report page for `figures(...)` output."""
    s, p, k = f["surge"], f["projection"], f["capacity"]
    surge_chart = ""
    if s["total"]:
        surge_chart = charts.daily_bars(
            [
                (b["start"], b["applications"], b["flagged"], b["expected"], b["upper"])
                for b in s["bins"]
            ],
            unit=s["unit"],
            title=f"Applications per {s['unit']}",
            desc=f"{s['flagged_bins']} of {len(s['bins'])} {s['unit']}s above the expected range.",
        )
    rows: list[tuple[str, float, float, float, float | None]] = [
        (
            "Whole surge (past rate)",
            p["expected_from_past"]["low"],
            p["expected_from_past"]["expected"],
            p["expected_from_past"]["high"],
            None,
        ),
        (
            "Decided so far (past rate)",
            p["expected_so_far_from_past"]["low"],
            p["expected_so_far_from_past"]["expected"],
            p["expected_so_far_from_past"]["high"],
            p["excluded_so_far"],
        ),
    ]
    if p["expected_from_observed"]:
        e = p["expected_from_observed"]
        rows.append(("Whole surge (rate so far)", e["low"], e["expected"], e["high"], None))
    fair = f["fairness"]
    families = [
        *((m, "campaign", fair["by_campaign"][m], *MEASURES[m]) for m in MEASURES),
        (
            "exclusion",
            "reviewer",
            fair["by_reviewer"]["exclusion"],
            "Exclusions",
            "cases each reviewer decided that ended in refusal",
        ),
        *((m, "postcode area", fair["by_region"][m], *MEASURES[m]) for m in MEASURES),
    ]
    fairness = []
    for measure, word, table, label, what in families:
        chart = charts.rate_dots(
            [(r["group"], r["rate"], r["low"], r["high"], r["flagged"]) for r in table["groups"]],
            overall=table["overall_rate"],
            title=f"{label} rate by {word}",
            desc=f"{len(table['flagged'])} group(s) flagged.",
            ident=f"fair-{measure}-{word.replace(' ', '-')}",
        )
        fairness.append((measure, label, what, word, table, Markup(chart)))
    flags = [g for *_, t, _ in fairness for g in t["flagged"]]
    env = Environment(autoescape=True, undefined=StrictUndefined)
    env.globals["gap"] = _gap
    return env.from_string(TEMPLATE).render(
        f=f,
        s=s,
        c=f["coordination"],
        p=p,
        k=k,
        flags=flags,
        fairness=fairness,
        surge_chart=Markup(surge_chart),
        projection_chart=Markup(
            charts.ranges(
                rows,
                title="Projected exclusions",
                desc="Expected exclusion ranges and the number observed so far.",
                ident="projection",
            )
        ),
        backlog_chart=Markup(
            charts.backlog_line(
                [(h["day"], h["open"]) for h in k["history"]],
                title="Open cases per day",
                desc=f"{k['backlog']['total']} cases open now.",
            )
        ),
    )
