#!/usr/bin/python3
# sentences-score.py: scores a sentence segmenter on a test suite in the
# format of $QUARRY_CORPUS/sentences/README.md.
#
# usage: sentences-score.py [-v] [-f] FILE.jsonl QSEGMENT
#
# Runs QSEGMENT -l LANG on each case's text (stdin) and compares its output,
# one sentence a line, with the expected sentences after stripping each and
# collapsing white-space runs to one space (exact match per case, the
# convention of the corpus README).  Cases flagged rewrites_text are skipped.
# Prints one line per language, "LANG PASSED TOTAL", sorted by language;
# with -v also every failing case; with -f only the failing cases' ids.
import json
import re
import subprocess
import sys


def norm(lines):
    out = []
    for s in lines:
        s = re.sub(r'\s+', ' ', s).strip()
        if s:
            out.append(s)
    return out


def main():
    args = sys.argv[1:]
    verbose = '-v' in args
    args = [a for a in args if a != '-v']
    path, prog = args
    score = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            case = json.loads(line)
            if case.get('rewrites_text'):
                continue
            lang = case['lang']
            res = subprocess.run([prog, '-l', lang],
                                 input=case['text'].encode('utf-8'),
                                 stdout=subprocess.PIPE, check=True)
            got = norm(res.stdout.decode('utf-8').split('\n'))
            want = norm(case['sentences'])
            ok = got == want
            p, n = score.get(lang, (0, 0))
            score[lang] = (p + ok, n + 1)
            if verbose and not ok:
                print('FAIL', case['id'], json.dumps(case['text'],
                      ensure_ascii=False)[:300], file=sys.stderr)
                for s in want:
                    print('   want |', s[:200], file=sys.stderr)
                for s in got:
                    print('   got  |', s[:200], file=sys.stderr)
    for lang in sorted(score):
        print(lang, score[lang][0], score[lang][1])


main()
