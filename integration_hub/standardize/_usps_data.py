"""USPS Publication 28 vocabulary: street suffixes (appendix C1), directionals, and secondary
unit designators (appendix C2). Each standard abbreviation lists the spellings that map to it
(the full word, the abbreviation itself and the common variants Pub. 28 names).

No maintained, fast Python package ships these tables (usaddress parses but does not
standardize; libpostal needs a native library and downloaded models), so they live here.
"""
from __future__ import annotations

_SUFFIXES = {
    "Aly": "alley allee ally", "Anx": "annex anex annx", "Arc": "arcade", "Ave": "avenue av aven avenu avn avnue",
    "Byu": "bayou bayoo", "Bch": "beach", "Bnd": "bend", "Blf": "bluff bluf", "Btm": "bottom bot bottm",
    "Blvd": "boulevard boul boulv", "Br": "branch brnch", "Brg": "bridge brdge", "Brk": "brook",
    "Byp": "bypass bypa bypas byps", "Cp": "camp cmp", "Cyn": "canyon canyn cnyn", "Cpe": "cape",
    "Cswy": "causeway causwa", "Ctr": "center cen cent centr centre cnter cntr", "Cir": "circle circ circl crcl crcle",
    "Clf": "cliff", "Clb": "club", "Cmn": "common", "Cor": "corner", "Crse": "course", "Ct": "court crt",
    "Cts": "courts", "Cv": "cove", "Crk": "creek", "Cres": "crescent crsent crsnt", "Crst": "crest",
    "Xing": "crossing crssng", "Curv": "curve", "Dl": "dale", "Dm": "dam", "Dv": "divide div dvd",
    "Dr": "drive driv drv", "Est": "estate", "Ests": "estates", "Expy": "expressway exp expr express expw",
    "Ext": "extension extn extnsn", "Fls": "falls", "Fry": "ferry frry", "Fld": "field", "Flds": "fields",
    "Flt": "flat", "Frd": "ford", "Frst": "forest forests", "Frg": "forge forg", "Frk": "fork", "Ft": "fort frt",
    "Fwy": "freeway freewy frway frwy", "Gdn": "garden gardn grden grdn", "Gdns": "gardens grdns",
    "Gtwy": "gateway gatewy gatway gtway", "Gln": "glen", "Grn": "green", "Grv": "grove grov",
    "Hbr": "harbor harb harbr hrbor", "Hvn": "haven", "Hts": "heights ht", "Hwy": "highway highwy hiway hiwy hway",
    "Hl": "hill", "Hls": "hills", "Holw": "hollow hllw hollows holws", "Inlt": "inlet", "Is": "island islnd",
    "Jct": "junction jction jctn junctn juncton", "Ky": "key", "Knl": "knoll knol", "Lk": "lake", "Lks": "lakes",
    "Lndg": "landing lndng", "Ln": "lane", "Lgt": "light", "Loop": "loop loops", "Mnr": "manor",
    "Mdw": "meadow", "Mdws": "meadows medows", "Ml": "mill", "Msn": "mission missn mssn", "Mt": "mount mnt",
    "Mtn": "mountain mntain mntn mountin", "Orch": "orchard orchrd", "Opas": "overpass",
    "Pkwy": "parkway parkwy pkway pky",
    "Pl": "place", "Pln": "plain", "Plns": "plains", "Plz": "plaza plza", "Pt": "point", "Prt": "port",
    "Pr": "prairie prr", "Rnch": "ranch ranches rnchs", "Rdg": "ridge rdge", "Riv": "river rvr rivr",
    "Rd": "road", "Rds": "roads", "Rte": "route", "Shr": "shore", "Skwy": "skyway", "Spg": "spring spng sprng",
    "Spgs": "springs spngs sprngs", "Sq": "square sqr sqre squ", "Sta": "station statn stn",
    "St": "street strt str", "Sts": "streets", "Smt": "summit sumit sumitt", "Ter": "terrace terr",
    "Trce": "trace traces", "Trl": "trail trails trls", "Tunl": "tunnel tunel tunls tunnels tunnl",
    "Tpke": "turnpike trnpk turnpk", "Upas": "underpass", "Vly": "valley vally vlly", "Via": "viaduct vdct viadct",
    "Vw": "view", "Vlg": "village vill villag villg", "Vis": "vista vist vst vsta", "Wls": "wells",
}
# The suffixes whose standard form is the word itself (Park, Way, Walk, ...) need no entry.
SUFFIXES = {variant: abbr for abbr, variants in _SUFFIXES.items()
            for variant in (abbr.lower(), *variants.split())}

DIRECTIONALS = {
    "north": "N", "south": "S", "east": "E", "west": "W", "northeast": "NE", "northwest": "NW",
    "southeast": "SE", "southwest": "SW", "n": "N", "s": "S", "e": "E", "w": "W",
    "ne": "NE", "nw": "NW", "se": "SE", "sw": "SW",
}

_UNITS = {
    "Apt": "apartment apt", "Bldg": "building bldg", "Dept": "department dept", "Fl": "floor fl flr",
    "Lot": "lot", "Ofc": "office ofc", "Ph": "penthouse ph", "Rm": "room rm", "Spc": "space spc",
    "Ste": "suite ste", "Trlr": "trailer trlr", "Unit": "unit", "Hngr": "hangar hngr", "Pier": "pier",
    "Slip": "slip", "Bsmt": "basement bsmt", "Lbby": "lobby lbby", "Frnt": "front frnt", "Rear": "rear",
}
UNITS = {variant: abbr for abbr, variants in _UNITS.items() for variant in variants.split()}
