/*
 * sentence_lang.c: abbreviation and sentence-starter lists of the sentence
 * segmenter, one set per language (see sentence_private.h for the format).
 *
 * The lists hold abbreviations that are written with a final period in
 * running text.  Single letters ("E.", "z.") and chains of single letters
 * ("U.S.A.", "т.е.") are recognised by rule in sentence.c and need no entry.
 */
#include <stddef.h>
#include <string.h>

#include "sentence_private.h"

#define A "\1"	/* ordinary abbreviation */
#define P "\2"	/* title before a name */
#define N "\3"	/* abbreviation only before a number */

const char *const sentence_abbr_common[] = {
	A "etc", A "e.g", A "i.e", A "vs", A "viz", A "cf", A "ca", A "approx",
	A "ibid", A "al", A "resp", A "ph.d", A "m.d", A "b.sc", A "m.sc",
	A "b.a", A "m.a", A "inc", A "ltd", A "corp", A "co", A "jr", A "sr",
	N "n°", N "nº", N "no", N "nos", N "nr", N "fig", N "figs", N "vol",
	N "vols", N "pp", N "art", N "ch", N "chap", N "sec", N "eq", N "eqs",
	N "ref", N "tab",
	NULL
};

/* ---------------------------------------------------------------- English */
static const char *const en_abbr[] = {
	P "mr", P "mrs", P "ms", P "messrs", P "mmes", P "dr", P "prof",
	P "rev", P "hon", P "gen", P "col", P "lt", P "sgt", P "capt", P "cmdr",
	P "gov", P "sen", P "rep", P "pres", P "adm", P "maj", P "brig",
	P "cpl", P "pvt", P "supt", P "insp", P "fr",
	A "mt", A "st", A "ste", A "ave", A "blvd", A "rd", A "hwy", A "pkwy",
	A "bros", A "llc", A "plc", A "assn", A "assoc", A "asst", A "dept",
	A "div", A "est", A "govt", A "inst", A "intl", A "natl", A "univ",
	A "mfg", A "mgr", A "mgmt", A "misc", A "attn", A "ext", A "dist",
	A "jan", A "feb", A "apr", A "jun", A "jul", A "aug", A "sep", A "sept",
	A "oct", A "nov", A "dec", A "tue", A "tues", A "thu", A "thur",
	A "thurs", A "fri", A "esp", A "ed", A "eds", A "edn", A "trans",
	A "min", A "max", A "hr", A "hrs", A "mins", A "secs", A "yr", A "yrs",
	A "oz", A "lb", A "lbs", A "ft", A "sq", A "cu", A "mi", A "pt", A "qt",
	A "op", A "cit", A "incl", A "excl", A "dba", A "aka", A "u.s", A "u.k",
	N "para", N "paras", N "pg", N "ps", N "tel", N "ph", N "ex",
	NULL
};

static const char *const en_starters[] = {
	"i", "the", "a", "an", "it", "he", "she", "we", "they", "you", "this",
	"that", "these", "those", "there", "then", "here", "how", "what", "why",
	"when", "where", "who", "whom", "whose", "which", "but", "and", "or",
	"so", "if", "in", "on", "at", "as", "after", "before", "since", "while",
	"during", "for", "from", "with", "to", "by", "my", "his", "her", "our",
	"their", "its", "your", "some", "many", "most", "all", "each", "every",
	"both", "no", "yes", "not", "do", "does", "did", "is", "are", "was",
	"were", "be", "can", "could", "will", "would", "should", "shall",
	"may", "might", "must", "have", "has", "had", "let", "please",
	"however", "thus", "therefore", "also", "meanwhile", "moreover",
	"furthermore", "although", "though", "because", "once", "one", "today",
	"yesterday", "tomorrow", "now", "still", "yet", "even", "only",
	"perhaps", "maybe", "instead", "indeed", "nevertheless", "finally",
	"first", "next", "later", "soon", "again", "such", "other", "another",
	"any", "none", "nothing", "everyone", "everything", "someone",
	"something", "well", "oh", "unlike", "like", "despite", "according",
	"there's", "it's", "i'm", "we're", "they're", "don't", "this's",
	NULL
};

/* ----------------------------------------------------------------- German */
static const char *const de_abbr[] = {
	P "hr", P "hrn", P "fr", P "frl", P "dr", P "prof", P "dipl", P "ing",
	P "st", P "sr", P "mag", P "gebr",
	A "bzw", A "usw", A "vgl", A "ggf", A "evtl", A "inkl", A "exkl",
	A "zzgl", A "allg", A "bsp", A "ehem", A "eigtl", A "einschl", A "gem",
	A "geb", A "gegr", A "gest", A "hrsg", A "insb", A "jh", A "jhd",
	A "jhdt", A "mio", A "mrd", A "mind", A "nachf", A "sog", A "str",
	A "tsd", A "usf", A "verh", A "zt", A "zzt", A "zz", A "u.a", A "o.ä",
	A "s.o", A "s.u", A "v.a", A "d.h", A "z.b", A "z.t", A "u.u", A "bspw",
	A "ca", A "max", A "min", A "jan", A "feb", A "febr", A "mär", A "apr",
	A "aug", A "sept", A "okt", A "nov", A "dez", A "mo", A "di", A "mi",
	A "do", A "fr", A "sa", A "so", A "abt", A "betr", A "bzgl", A "dgl",
	A "entspr", A "erg", A "gez", A "i.a", A "i.d.r", A "lt", A "o.g",
	A "od", A "rd", A "sek", A "std", A "tel", A "u.ä", A "urspr", A "zb",
	N "abs", N "abschn", N "bd", N "bde", N "kap", N "abb", N "ziff",
	N "s",
	NULL
};

static const char *const de_starters[] = {
	"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen",
	"einem", "einer", "es", "er", "sie", "ich", "wir", "ihr", "du", "man",
	"dies", "diese", "dieser", "dieses", "dort", "da", "dann", "hier",
	"heute", "gestern", "morgen", "wie", "was", "warum", "wann", "wo",
	"wer", "aber", "und", "oder", "doch", "denn", "wenn", "als", "auch",
	"so", "nun", "jetzt", "am", "im", "in", "auf", "mit", "nach", "vor",
	"bei", "zu", "zum", "zur", "für", "von", "aus", "um", "mein", "sein",
	"unser", "kein", "keine", "alle", "viele", "ist", "sind", "war", "hat",
	"haben", "wird", "werden", "kann", "muss", "sollte", "bitte",
	"jedoch", "daher", "deshalb", "trotzdem", "dabei", "dazu", "danach",
	"zudem", "außerdem", "allerdings", "ja", "nein", "damit", "seit",
	NULL
};

/* ----------------------------------------------------------------- French */
static const char *const fr_abbr[] = {
	P "m", P "mm", P "mme", P "mmes", P "mlle", P "mlles", P "dr", P "me",
	P "pr", P "st", P "ste", P "mgr", P "vve",
	A "etc", A "cf", A "env", A "av", A "bd", A "boul", A "apr", A "coll",
	A "éd", A "éds", A "hab", A "janv", A "févr", A "avr", A "juil",
	A "sept", A "oct", A "nov", A "déc", A "cie", A "sté", A "j.-c",
	A "c.-à-d", A "p.ex", A "suiv", A "tél", A "min", A "max", A "qqch",
	A "qqn", A "dép", A "admin", A "ann",
	N "p", N "t", N "fasc", N "chap",
	NULL
};

static const char *const fr_starters[] = {
	"le", "la", "les", "l", "un", "une", "des", "du", "il", "elle", "ils",
	"elles", "je", "j", "nous", "vous", "on", "ce", "c", "cette", "ces",
	"cet", "mais", "et", "ou", "donc", "car", "puis", "alors", "ensuite",
	"enfin", "aussi", "cependant", "pourtant", "en", "dans", "sur", "avec",
	"pour", "par", "après", "avant", "depuis", "pendant", "quand",
	"comment", "pourquoi", "où", "qui", "que", "qu", "quel", "quelle", "si",
	"mon", "ma", "mes", "son", "sa", "ses", "notre", "leur", "leurs",
	"tout", "tous", "toutes", "toute", "aujourd", "hier", "demain", "oui",
	"non", "voici", "voilà", "d", "selon", "ainsi", "au", "aux", "à",
	NULL
};

/* ---------------------------------------------------------------- Spanish */
static const char *const es_abbr[] = {
	P "sr", P "sra", P "srta", P "srs", P "sres", P "dr", P "dra", P "lic",
	P "ing", P "arq", P "prof", P "dña", P "dª", P "sto", P "sta", P "mons",
	P "gral", P "cnel", P "tte", P "excmo", P "excma", P "ilmo", P "ilma",
	P "fray", P "d",
	A "etc", A "ej", A "aprox", A "av", A "avda", A "cía", A "dpto",
	A "depto", A "ee.uu", A "ene", A "abr", A "jun", A "jul", A "ago",
	A "sep", A "sept", A "oct", A "nov", A "dic", A "admón", A "atte",
	A "col", A "dir", A "ibíd", A "ltda", A "máx", A "mín", A "pza", A "s.a",
	A "s.l", A "ud", A "uds", A "vd", A "vds", A "a.c", A "d.c", A "tel",
	A "aa.vv", A "cap",
	N "pág", N "págs", N "núm", N "p",
	NULL
};

static const char *const es_starters[] = {
	"el", "la", "los", "las", "un", "una", "unos", "unas", "lo", "yo",
	"tú", "él", "ella", "ellos", "ellas", "nosotros", "usted", "ustedes",
	"este", "esta", "estos", "estas", "ese", "esa", "eso", "esto", "aquí",
	"allí", "hoy", "ayer", "mañana", "pero", "y", "o", "entonces", "luego",
	"después", "antes", "además", "sin", "también", "en", "con", "por",
	"para", "de", "desde", "durante", "cuando", "como", "cómo", "qué",
	"quién", "dónde", "si", "mi", "su", "sus", "nuestro", "todo", "todos",
	"muchos", "no", "sí", "es", "son", "fue", "hay", "está", "buenos",
	"buenas", "hola", "gracias", "se", "le", "les", "me", "nos", "ya",
	"al", "del", "así", "sin",
	NULL
};

/* ---------------------------------------------------------------- Italian */
static const char *const it_abbr[] = {
	P "sig", P "sigg", P "sig.ra", P "sig.na", P "dott", P "dott.ssa",
	P "prof", P "prof.ssa", P "avv", P "ing", P "arch", P "geom", P "rag",
	P "on", P "mons", P "gent", P "egr", P "spett", P "s",
	A "ecc", A "es", A "cfr", A "gen", A "feb", A "apr", A "giu", A "lug",
	A "ago", A "sett", A "ott", A "nov", A "dic", A "sgg", A "ss", A "spa",
	A "s.p.a", A "srl", A "s.r.l", A "c.a", A "a.c", A "d.c", A "tel",
	A "ca", A "max", A "min", A "cit", A "vs", A "sec",
	N "pag", N "pagg", N "n", N "cap", N "fig",
	NULL
};

static const char *const it_starters[] = {
	"il", "lo", "la", "i", "gli", "le", "l", "un", "uno", "una", "io", "tu",
	"lui", "lei", "noi", "voi", "loro", "questo", "questa", "questi",
	"queste", "quello", "quella", "qui", "qua", "lì", "là", "oggi", "ieri",
	"domani", "ma", "e", "o", "poi", "allora", "quindi", "dopo", "prima",
	"anche", "però", "in", "con", "per", "da", "di", "su", "tra", "fra",
	"durante", "quando", "come", "cosa", "che", "perché", "dove", "chi",
	"se", "mio", "mia", "suo", "sua", "nostro", "tutto", "tutti", "molti",
	"non", "sì", "è", "sono", "era", "c", "ci", "si", "nel", "nella", "del",
	"della", "al", "alla",
	NULL
};

/* ------------------------------------------------------------- Portuguese */
static const char *const pt_abbr[] = {
	P "sr", P "sra", P "srta", P "dr", P "dra", P "prof", P "profa",
	P "eng", P "exmo", P "exma", P "sto", P "sta", P "d", P "dª", P "v.exa",
	A "etc", A "ex", A "cf", A "aprox", A "av", A "jan", A "fev", A "abr",
	A "mai", A "jun", A "jul", A "ago", A "set", A "out", A "nov", A "dez",
	A "ltda", A "s.a", A "cia", A "séc", A "obs", A "adm", A "dept",
	A "depto", A "min", A "máx", A "mín", A "tel", A "pç",
	N "pág", N "págs", N "p", N "núm", N "cap",
	NULL
};

static const char *const pt_starters[] = {
	"o", "a", "os", "as", "um", "uma", "uns", "umas", "eu", "tu", "ele",
	"ela", "eles", "elas", "nós", "você", "vocês", "este", "esta", "isto",
	"esse", "essa", "isso", "aqui", "ali", "hoje", "ontem", "amanhã", "mas",
	"e", "ou", "então", "depois", "antes", "também", "em", "no", "na", "nos",
	"nas", "com", "por", "para", "de", "do", "da", "desde", "durante",
	"quando", "como", "que", "quem", "onde", "porque", "se", "meu", "minha",
	"seu", "sua", "todo", "todos", "muitos", "não", "sim", "é", "são", "foi",
	"há", "está", "ao", "aos", "assim",
	NULL
};

/* ------------------------------------------------------------------ Dutch */
static const char *const nl_abbr[] = {
	P "dhr", P "mevr", P "mr", P "dr", P "drs", P "ir", P "ing", P "prof",
	P "mw", P "st", P "ds",
	A "bijv", A "bv", A "blz", A "ca", A "d.w.z", A "e.a", A "enz", A "etc",
	A "evt", A "excl", A "incl", A "i.p.v", A "jl", A "jr", A "m.a.w",
	A "m.b.t", A "mln", A "mld", A "mrd", A "nl", A "o.a", A "pag", A "resp",
	A "t.a.v", A "tel", A "t.o.v", A "vgl", A "vs", A "jan", A "feb",
	A "mrt", A "apr", A "jun", A "jul", A "aug", A "sep", A "sept", A "okt",
	A "nov", A "dec", A "aanw", A "vnw", A "zn", A "ww", A "bnw", A "bijw",
	A "lidw", A "vz", A "vw", A "tw", A "m.i.v", A "n.a.v", A "z.g",
	N "nr", N "p", N "art",
	NULL
};

static const char *const nl_starters[] = {
	"de", "het", "een", "ik", "jij", "je", "hij", "zij", "ze", "wij", "we",
	"jullie", "u", "dit", "dat", "deze", "die", "daar", "hier", "er",
	"toen", "dan", "nu", "vandaag", "gisteren", "morgen", "maar", "en",
	"of", "want", "dus", "ook", "in", "op", "met", "voor", "na", "naar",
	"van", "bij", "uit", "om", "tijdens", "sinds", "wanneer", "hoe", "wat",
	"waarom", "waar", "wie", "als", "mijn", "zijn", "haar", "ons", "onze",
	"hun", "alle", "veel", "niet", "geen", "ja", "nee", "is", "was",
	"heeft", "hebben", "wordt", "kan", "moet", "zal", "'s", "het",
	NULL
};

/* ---------------------------------------------------------------- Russian */
static const char *const ru_abbr[] = {
	P "тов", P "проф", P "акад", P "доц", P "им", P "гр", P "г-н", P "г-жа",
	A "др", A "пр", A "см", A "стр", A "рис", A "табл", A "гл", A "ст",
	A "обл", A "ул", A "кв", A "пер", A "пл", A "просп", A "руб", A "коп",
	A "млн", A "млрд", A "тыс", A "куб", A "гг", A "вв", A "янв", A "февр",
	A "апр", A "авг", A "сент", A "окт", A "нояб", A "дек", A "напр",
	A "прим", A "зам", A "ср", A "ред", A "изд", A "мин", A "макс", A "сек",
	A "кг", A "км", A "тел", A "англ", A "лат", A "нем", A "франц", A "греч",
	A "совр", A "букв", A "т.е", A "т.д", A "т.п", A "т.к", A "т.н", A "н.э",
	A "и.о", A "т.г", A "т.б", A "вкл", A "мн",
	N "№", N "п", N "пп", N "ч", N "т", N "с", N "гл",
	NULL
};

static const char *const ru_starters[] = {
	"он", "она", "оно", "они", "я", "мы", "вы", "ты", "это", "этот", "эта",
	"эти", "тот", "та", "те", "там", "тут", "здесь", "тогда", "потом",
	"затем", "сегодня", "вчера", "завтра", "но", "и", "а", "или",
	"однако", "поэтому", "также", "в", "во", "на", "с", "со", "по", "к",
	"из", "от", "для", "при", "после", "до", "когда", "как", "что",
	"почему", "где", "кто", "если", "мой", "его", "её", "их", "наш", "все",
	"всё", "многие", "не", "нет", "да", "был", "была", "были", "есть",
	"так", "уже", "еще", "ещё",
	NULL
};

/* ----------------------------------------------------------------- Danish */
static const char *const da_abbr[] = {
	P "hr", P "fr", P "frk", P "dr", P "prof", P "skt", P "st", P "pastor",
	A "bl.a", A "ca", A "dvs", A "etc", A "f.eks", A "fx", A "jf", A "kl",
	A "mht", A "m.fl", A "m.m", A "mv", A "osv", A "pga", A "pt", A "vedr",
	A "ang", A "evt", A "inkl", A "ekskl", A "iflg", A "ifm", A "jan",
	A "feb", A "apr", A "aug", A "sept", A "okt", A "nov", A "dec", A "mio",
	A "mia", A "tlf", A "vs", A "co",
	N "nr", N "s", N "stk",
	NULL
};

static const char *const da_starters[] = {
	"de", "det", "den", "der", "jeg", "du", "han", "hun", "vi", "i", "hvad",
	"hvor", "hvorfor", "hvem", "hvordan", "hvornår", "men", "og", "så",
	"her", "nu", "en", "et", "min", "mit", "mine", "din", "dit", "hans",
	"hendes", "vores", "deres", "alle", "mange", "ikke", "ja", "nej", "er",
	"var", "har", "havde", "kan", "skal", "vil", "efter", "før", "med",
	"til", "fra", "på", "om", "når", "hvis", "dette", "disse", "da",
	NULL
};

/* ---------------------------------------------------------- Czech, Slovak */
static const char *const cs_abbr[] = {
	P "prof", P "doc", P "ing", P "mgr", P "judr", P "mudr", P "phdr",
	P "rndr", P "bc", P "p", P "pí", P "sv",
	A "např", A "napr", A "atd", A "atď", A "tzv", A "resp", A "popř",
	A "príp", A "apod", A "př", A "tj", A "tzn", A "mil", A "mld", A "tis",
	A "s.r.o", A "spol", A "a.s", A "t.j", A "t.z", A "zb", A "ods",
	A "kap", A "obr", A "tab", A "roč", A "vyd", A "ul", A "nám", A "tel",
	N "č", N "str", N "čl",
	NULL
};

static const char *const cs_starters[] = {
	"to", "ten", "ta", "tá", "je", "se", "sa", "v", "na", "a", "ale",
	"však", "proto", "preto", "pak", "potom", "když", "keď", "jestli", "ak",
	"co", "čo", "kdo", "kto", "jak", "ako", "proč", "prečo", "kde", "já",
	"ja", "on", "ona", "my", "vy", "oni", "toto", "tento", "táto", "tato",
	"dnes", "včera", "zítra", "zajtra", "po", "před", "pred", "od", "do",
	NULL
};

static const struct sentence_lang langs[] = {
	{ "en", SL_PRONOUN_I, en_abbr, en_starters },
	{ "de", SL_ORDINAL, de_abbr, de_starters },
	{ "fr", SL_FRENCH, fr_abbr, fr_starters },
	{ "es", 0, es_abbr, es_starters },
	{ "it", 0, it_abbr, it_starters },
	{ "pt", 0, pt_abbr, pt_starters },
	{ "nl", 0, nl_abbr, nl_starters },
	{ "ru", 0, ru_abbr, ru_starters },
	{ "da", SL_ORDINAL, da_abbr, da_starters },
	/* Cyrillic languages share most abbreviations with Russian. */
	{ "bg", 0, ru_abbr, ru_starters },
	{ "uk", 0, ru_abbr, ru_starters },
	{ "be", 0, ru_abbr, ru_starters },
	{ "kk", 0, ru_abbr, ru_starters },
	/* Languages without lists of their own: the English lists (as for an
	 * unknown language) with the flags their orthography needs. */
	{ "hy", SL_COLON_STOP, en_abbr, en_starters },
	{ "el", SL_SEMICOLON_QM, en_abbr, en_starters },
	{ "nb", SL_ORDINAL, en_abbr, en_starters },
	{ "nn", SL_ORDINAL, en_abbr, en_starters },
	{ "no", SL_ORDINAL, en_abbr, en_starters },
	{ "fi", SL_ORDINAL, en_abbr, en_starters },
	{ "is", SL_ORDINAL, en_abbr, en_starters },
	{ "et", SL_ORDINAL, en_abbr, en_starters },
	{ "lv", SL_ORDINAL, en_abbr, en_starters },
	{ "cs", SL_ORDINAL, cs_abbr, cs_starters },
	{ "sk", SL_ORDINAL, cs_abbr, cs_starters },
	{ "pl", SL_ORDINAL, en_abbr, en_starters },
	{ "sl", SL_ORDINAL, en_abbr, en_starters },
	{ "hr", SL_ORDINAL, en_abbr, en_starters },
	{ "bs", SL_ORDINAL, en_abbr, en_starters },
	{ "sr", SL_ORDINAL, en_abbr, en_starters },
	{ "hu", SL_ORDINAL, en_abbr, en_starters },
	{ "tr", SL_ORDINAL, en_abbr, en_starters },
};

const struct sentence_lang *
sentence_lang_find(const char *tag)
{
	char code[4];
	size_t i, n = 0;

	if (tag == NULL)
		return &langs[0];
	while (n < 3 && ((tag[n] >= 'a' && tag[n] <= 'z') ||
	    (tag[n] >= 'A' && tag[n] <= 'Z'))) {
		code[n] = (char)(tag[n] | 0x20);
		n++;
	}
	if (n < 2 || (tag[n] != '\0' && tag[n] != '-' && tag[n] != '_'))
		return &langs[0];
	code[n] = '\0';
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(langs[i].code, code) == 0)
			return &langs[i];
	return &langs[0];
}
