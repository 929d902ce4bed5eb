"""Reads tempest's subunit stream and keeps score against the checked-in lists.

Writes results.json (every test: status, and the reason for skips and failures) and summary.md
(counts per tempest module), then checks the regression gate: every test in expected-pass.txt
must pass. Exit status 1 when the gate fails or a failing test has no recorded reason.
"""
import argparse
import json
import re
import sys
from collections import Counter, OrderedDict

import subunit
import testtools

STATUS = {'success': 'pass', 'fail': 'fail', 'skip': 'skip', 'xfail': 'pass', 'uxsuccess': 'fail'}


def base_id(test_id):
    """tempest ids carry attributes in brackets ("...test_x[id-...,smoke]"); the lists use the plain id."""
    return test_id.split('[', 1)[0]


def read_subunit(path):
    tests = {}

    def on_test(test):
        status = STATUS.get(test['status'])
        if status is None:
            return  # 'exists'/'inprogress' events from a test listing, not a result
        reason = ''
        details = test.get('details', {})
        if 'reason' in details:
            reason = details['reason'].as_text()
        elif status == 'fail' and 'traceback' in details:
            reason = last_line(details['traceback'].as_text())
        tests[fixture_id(test['id'])] = {'status': status, 'reason': reason.strip(), 'tags': sorted(test.get('tags', []))}

    with open(path, 'rb') as stream:
        case = subunit.ByteStreamToStreamResult(stream, non_subunit_name='stdout')
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        case.run(result)
        result.stopTestRun()
    return tests


def fixture_id(test_id):
    """Class fixtures report as "setUpClass (tempest...Class)"; name them "tempest...Class.setUpClass"."""
    match = re.match(r'^(\w+) \((.+)\)$', test_id)
    return f'{match.group(2)}.{match.group(1)}' if match else test_id


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ''


def read_list(path):
    """One entry a line; '#' starts a comment. Returns entries in file order."""
    entries = []
    with open(path) as f:
        for line in f:
            entry = line.split('#', 1)[0].strip()
            if entry:
                entries.append(entry)
    return entries


def read_reasons(path):
    """Lines "regex  # reason": the reason recorded for tests that fail or are excluded."""
    reasons = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            pattern, _, reason = line.partition('#')
            reasons.append((re.compile(pattern.strip()), reason.strip()))
    return reasons


def reason_for(test_id, reasons):
    for pattern, reason in reasons:
        if pattern.search(test_id):
            return reason
    return None


def module_of(test_id):
    """tempest.api.compute.servers.test_servers.ServersTestJSON.test_x -> servers.test_servers"""
    parts = base_id(test_id).split('.')
    return '.'.join(parts[3:-2]) if len(parts) > 5 else base_id(test_id)


def summary_table(tests):
    per_module = OrderedDict()
    for test_id in sorted(tests):
        counts = per_module.setdefault(module_of(test_id), Counter())
        counts[tests[test_id]['status']] += 1
    total = Counter()
    rows = ['| module | passed | failed | skipped |', '|---|---:|---:|---:|']
    for module, counts in per_module.items():
        total.update(counts)
        rows.append(f"| {module} | {counts['pass']} | {counts['fail']} | {counts['skip']} |")
    rows.append(f"| **total** | **{total['pass']}** | **{total['fail']}** | **{total['skip']}** |")
    return rows, total


# nova-docker's tempest selection, as its CI ran it: everything but these features
NOVA_DOCKER_REGEX = re.compile(r'^(?!.*?(boto|volume|resize|suspend|rescue|cinder|migrate|object_storage)).*')


def selection_rows(listed, tests):
    """Totals over every listed test, and over the ones nova-docker's regex would have run."""
    by_base = {base_id(t): v['status'] for t, v in tests.items()}
    rows = ['| selection | tests | passed | failed | skipped | not run (excluded) |', '|---|---:|---:|---:|---:|---:|']
    for label, selected in (('all tempest.api.compute tests', listed),
                            ("nova-docker's selection `" + NOVA_DOCKER_REGEX.pattern.replace('|', '\\|') + '`',
                             [t for t in listed if NOVA_DOCKER_REGEX.match(t)])):
        counts = Counter(by_base.get(t, 'excluded') for t in selected)
        rows.append(f"| {label} | {len(selected)} | {counts['pass']} | {counts['fail']} | {counts['skip']} | {counts['excluded']} |")
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--subunit', required=True)
    parser.add_argument('--expected', required=True)
    parser.add_argument('--known-failures', required=True)
    parser.add_argument('--exclusions', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--title', default='tempest compute API against novashim')
    parser.add_argument('--listed', help='every test id tempest lists for the selection (for the totals table)')
    parser.add_argument('--gate', action='store_true', help='only the expected tests ran: judge regressions only')
    args = parser.parse_args()

    tests = read_subunit(args.subunit)
    known = read_reasons(args.known_failures)
    excluded = read_reasons(args.exclusions)
    expected = set(read_list(args.expected))

    for test_id, test in tests.items():
        if test['status'] == 'fail':
            test['known_reason'] = reason_for(base_id(test_id), known)

    by_base = {base_id(t): v['status'] for t, v in tests.items()}
    regressions = sorted(t for t in expected if by_base.get(t) != 'pass')
    new_passes = sorted(b for b, s in by_base.items() if s == 'pass' and b not in expected and b.startswith('tempest.'))
    unexplained = [] if args.gate else sorted(base_id(t) for t, v in tests.items() if v['status'] == 'fail' and not v.get('known_reason')
                         and base_id(t) not in expected)

    rows, total = summary_table(tests)
    with open(f'{args.out}/results.json', 'w') as f:
        json.dump({'tests': tests, 'totals': dict(total), 'regressions': regressions,
                   'new_passes': new_passes, 'unexplained_failures': unexplained}, f, indent=1, sort_keys=True)
    totals = selection_rows(sorted({base_id(t) for t in read_list(args.listed)}), tests) if args.listed else []
    with open(f'{args.out}/summary.md', 'w') as f:
        f.write(f'# {args.title}\n\n')
        if totals:
            f.write('\n'.join(totals) + '\n\n')
        f.write('\n'.join(rows) + '\n')
        f.write(f'\nNot run: {len(excluded)} tests listed in exclusions.txt with their reasons.\n')
        f.write('Failures: each has its reason in known-failures.txt; skips carry tempest\'s own reason in results.json.\n')
    print('\n'.join(totals))

    print('\n'.join(rows))
    for t in new_passes:
        print(f'NEW PASS (add to expected-pass.txt): {t}')
    for t in unexplained:
        print(f'FAILED WITHOUT A RECORDED REASON: {t}')
    for t in regressions:
        print(f'REGRESSION (expected to pass, got {by_base.get(t, "not run")}): {t}')
    print(f'tempest: {total["pass"]} passed, {total["fail"]} failed, {total["skip"]} skipped; '
          f'expected {len(expected)}, regressions {len(regressions)}, unexplained failures {len(unexplained)}')
    if args.gate:
        print(f'gate: {len(expected) - len(regressions)} passed, {len(regressions)} failed')
    return 1 if regressions or unexplained else 0


if __name__ == '__main__':
    sys.exit(main())
