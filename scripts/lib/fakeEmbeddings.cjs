// The fake OpenAI server's embedding model: a simulation of a semantic embedding model, not one.
//
// A text becomes a bag of features hashed into a fixed number of dimensions and normalised, so
// cosine similarity is what the API's is for: 1 for the same text, high for texts saying the same
// thing. "The same thing" comes from a general concept lexicon written for quiz language in English,
// French and Spanish (synonyms and near-synonyms: largest/biggest, wrote/author, situé/se trouve…),
// a crude stemmer, number words as digits, and character trigrams (morphology, spelling variants).
// Stopwords weigh little. The lexicon was written from general vocabulary, never from the labelled
// near-duplicate sets (functions/test/fixtures/near-duplicates*.json): scoring the pipeline on them
// must not score the lexicon's knowledge of them. A real model knows far more; figures measured
// with this one say what the pipeline does with a model of this kind, not what a real model scores.
'use strict';
const { createHash } = require('node:crypto');

// Each line: one concept, its words in en / fr / es (folded: lowercase, no accents). A word may be
// a phrase of up to three words ("plus grand").
const CONCEPTS = [
  'large: largest biggest greatest biggest large big huge vast grand grande plus_grand plus_grande mas_grande mayor enorme immense',
  'small: smallest tiniest littlest small little tiny petit petite plus_petit plus_petite pequeno pequena mas_pequeno menor',
  'tall: tallest highest tall high haut haute plus_haut plus_haute eleve elevee alto alta mas_alto mas_alta',
  'long: longest long longue plus_long plus_longue largo larga mas_largo mas_larga',
  'deep: deepest deep profond profonde plus_profond plus_profonde profundo profunda mas_profundo',
  'old: oldest old ancient ancien ancienne plus_ancien plus_ancienne vieux vieille antiguo antigua mas_antiguo viejo',
  'new: newest new recent nouveau nouvelle recent reciente nuevo nueva',
  'fast: fastest fast quick quickest rapide plus_rapide rapido rapida mas_rapido veloz',
  'hot: hottest hot warm chaud chaude caliente calido',
  'cold: coldest cold froid froide frio fria',
  'populous: populous most_populous population inhabitants people peuple habitants peuplee poblacion habitantes poblado poblada',
  'first: first earliest initial premier premiere primer primera primero',
  'last: last final latest dernier derniere ultimo ultima',
  'write: wrote write written writer author authored penned pen novelist ecrit ecrire ecrivain auteur auteure redige escribio escribir escrito escritor escritora autor autora',
  'book: book novel novella roman livre libro novela',
  'paint: painted paint painter painting artist peint peindre peintre peinture tableau toile pinto pintar pintor pintora pintura cuadro',
  'compose: composed compose composer composition wrote_music compose composer compositeur compositrice compuso componer compositor compositora',
  'song: song track tune chanson morceau cancion tema',
  'sing: sang sing singer performed vocalist chante chanter chanteur chanteuse canto cantar cantante interpreto',
  'invent: invented invent inventor invention devised created_the invente inventer inventeur invento inventar inventor',
  'discover: discovered discover discoverer discovery found_the decouvert decouvrir decouverte descubrio descubrir descubrimiento',
  'direct: directed direct director filmmaker realise realiser realisateur dirigio dirigir director directora',
  'film: film movie picture motion_picture cinema pelicula cine',
  'found: founded found founder established establish set_up fonde fonder fondateur fondee creee fundo fundar fundador fundada',
  'build: built build constructed construction erected construit construire bati construyo construir construido edifico',
  'design: designed design designer architect concu concevoir architecte diseno disenar disenador arquitecto',
  'lead: led lead leader ruled ruler governed head dirige dirigeant gouverne regne lidero lider goberno gobernante reino',
  'president: president presidente',
  'king: king monarch sovereign roi monarque souverain rey monarca soberano',
  'queen: queen reine reina',
  'emperor: emperor empereur emperador',
  'win: won win winner winning victory victorious champion title gagne gagner vainqueur remporte victoire gano ganar ganador vencedor victoria campeon',
  'lose: lost lose loser defeat perdu perdre defaite perdio perder derrota',
  'host: hosted host held staged organised organized organise accueilli accueillir organise organisee hospedo organizo sede celebro albergo',
  'born: born birth birthplace native naquit ne nee naissance natal nacio nacido nacida nacimiento',
  'die: died die death dead mort morte deces mourut murio muerte fallecio',
  'locate: located situated lies lie found_in sits situe situee trouve se_trouve se_situe localise ubicado ubicada situado situada se_encuentra encuentra esta_en',
  'capital: capital capitale capital seat_of_government',
  'country: country nation state land pays nation etat pais nacion estado',
  'city: city town metropolis ville cite ciudad urbe localidad',
  'continent: continent continente',
  'island: island isle ile isla',
  'ocean: ocean oceano',
  'sea: sea mer mar',
  'river: river fleuve riviere rio',
  'lake: lake lac lago',
  'mountain: mountain mount peak summit montagne mont sommet pic montana monte cumbre pico',
  'desert: desert desierto',
  'volcano: volcano volcan',
  'language: language tongue spoken speak speaks langue parle parler langage idioma lengua habla hablar hablado',
  'official: official officiel officielle oficial',
  'currency: currency money coin monnaie devise argent moneda dinero divisa',
  'flag: flag drapeau bandera',
  'anthem: anthem hymne himno',
  'planet: planet planete planeta',
  'star: star etoile estrella',
  'sun: sun solar soleil solaire sol',
  'moon: moon lunar lune lunaire luna',
  'earth: earth world globe terre monde tierra mundo',
  'element: element chemical_element elemento',
  'symbol: symbol sign abbreviation represents represented symbole signe represente simbolo signo representa',
  'gas: gas gaz',
  'metal: metal metal',
  'animal: animal creature beast mammal bete creature mammifere criatura mamifero',
  'bird: bird oiseau ave pajaro',
  'fish: fish poisson pez',
  'plant: plant plante planta',
  'tree: tree arbre arbol',
  'bone: bone os hueso',
  'organ: organ organe organo',
  'body: body human_body corps cuerpo',
  'blood: blood sang sangre',
  'heart: heart coeur corazon',
  'water: water eau agua',
  'boil: boils boil boiling bout bouillir ebullition hierve hervir ebullicion',
  'freeze: freezes freeze freezing gele geler congelation congela congelar',
  'temperature: temperature degree degrees temperatura grado grados',
  'speed: speed velocity vitesse velocidad',
  'light: light lumiere luz',
  'sound: sound son sonido',
  'number: number count how_many nombre combien numero cuantos cuantas cantidad',
  'side: side sides edge cote cotes lado lados',
  'leg: leg legs patte pattes jambe pata patas pierna',
  'year: year when date annee an quand ano cuando fecha',
  'century: century siecle siglo',
  'war: war conflict guerre conflit guerra conflicto',
  'battle: battle bataille batalla',
  'end: ended end finished concluded fin finit termine terminee acabo termino final',
  'begin: began begin start started commence debut comenzo empezo inicio comienzo',
  'sign: signed sign treaty agreement signe traite accord firmo firmar tratado acuerdo',
  'team: team club side equipe equipo club',
  'player: player joueur jugador',
  'cup: cup trophy coupe trophee copa trofeo',
  'game: game games match sport jeu jeux match partido juego juegos deporte',
  'olympic: olympic olympics olympique olympiques olimpico olimpicos olimpiada olimpiadas',
  'play: plays played play playwright drama piece theatre obra teatro dramaturgo',
  'poem: poem poet poetry poeme poete poesie poema poeta poesia',
  'scientist: scientist physicist chemist researcher scientifique physicien chimiste cientifico fisico quimico',
  'theory: theory theorie teoria',
  'prize: prize award laureate prix laureat premio galardon laureado',
  'woman: woman women female lady femme femmes feminine mujer mujeres femenina',
  'man: man men male homme hommes masculin hombre hombres masculino',
  'child: child children kid enfant enfants nino ninos',
  'famous: famous renowned celebrated well_known celebre connu fameux famoso celebre conocido',
  'main: main principal chief primary major principal principale principal principales',
  'part: part portion share partie parte',
  'home: home house residence maison demeure casa hogar residencia',
  'museum: museum musee museo',
  'building: building monument structure tower batiment edifice tour edificio torre monumento',
  'bridge: bridge pont puente',
  'wall: wall mur muralla muro',
  'god: god deity dieu divinite dios deidad',
  'religion: religion faith religion religion fe',
  'empire: empire imperio',
  'border: border borders bordered neighbour neighbor frontier frontiere frontalier limitrophe frontera limita limitrofe vecino',
  'north: north northern nord septentrional norte',
  'south: south southern sud meridional sur',
  'east: east eastern est oriental este',
  'west: west western ouest occidental oeste',
  'measure: measure measured measures length height mesure mesurer longueur hauteur mide medir longitud altura',
  'area: area surface size superficie taille tamano area extension',
  'weight: weight heavy heaviest poids lourd plus_lourd peso pesado',
  'cross: crosses cross flows runs traverse coule atraviesa fluye recorre',
  'mouth: mouth flows_into empties embouchure se_jette desemboca desembocadura',
  'produce: produces producer production largest_producer produit producteur production produce productor produccion',
  'export: export exports exporter exporte exportation exporta exportador',
  'use: used use uses utilise utiliser employe usa usar utiliza utilizar empleado',
  'call: called named known_as appelle nomme surnomme llama llamado denominado apodado',
  'mean: means meaning stands_for signifie veut_dire significado significa',
  'color: color colour colours colors couleur couleurs color colores',
  'red: red rouge rojo roja',
  'blue: blue bleu bleue azul',
  'green: green vert verte verde',
  'yellow: yellow jaune amarillo amarilla',
  'white: white blanc blanche blanco blanca',
  'black: black noir noire negro negra',
  'instrument: instrument instrumento',
  'band: band group groupe banda grupo',
  'album: album record disque disco',
  'character: character hero protagonist personnage heros protagoniste personaje heroe protagonista',
  'series: series show serie emission programa',
  'company: company firm corporation brand entreprise societe firme marque empresa compania marca',
  'car: car automobile vehicle voiture vehicule coche carro vehiculo',
  'computer: computer ordinateur computadora ordenador',
  'phone: phone telephone telefono',
  'travel: travel journey voyage trip voyager viaje viajar',
  'first_person: first_person_to first_man_to premier_homme primer_hombre',
  'reach: reached reach arrived arrive atteint atteindre arrive llego alcanzo alcanzar',
  'walk: walked walk marche marcher camino caminar',
  'fly: flew fly flight vol voler volo volar vuelo',
  'space: space outer_space espace espacio',
];

// Numbers as words are the numbers.
const NUMBER_WORDS = {};
[
  ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'],
  ['zero', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix', 'onze', 'douze'],
  ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez', 'once', 'doce'],
].forEach((names) => names.forEach((word, value) => (NUMBER_WORDS[word] ??= String(value))));
NUMBER_WORDS.hundred = '100'; NUMBER_WORDS.cent = '100'; NUMBER_WORDS.cien = '100'; NUMBER_WORDS.thousand = '1000'; NUMBER_WORDS.mille = '1000'; NUMBER_WORDS.mil = '1000';

// Function words weigh little (a model's attention to them is small, not nil).
const STOPWORDS = new Set(`a an the of in on at to for from by with and or is are was were be been being do does did has have had
which what who whom whose where how why this that these those it its as into than then there their his her they he she we you i
le la les l un une des du de d au aux et ou est sont etait etaient a ce cet cette ces qui que quoi quel quelle quels quelles lequel
laquelle dont ou en dans sur par pour avec son sa ses leur leurs il elle ils elles on ne pas se s qu c y
el la los las lo un una unos unas de del al y o es son era fue fueron ser que quien quienes cual cuales cuyo donde como en con por para
su sus se le les este esta estos estas ese esa eso`.split(/\s+/));

const fold = (text) => String(text).normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

// Word (or folded phrase of up to three words) -> concept.
const LEXICON = new Map();
for (const line of CONCEPTS) {
  const [concept, words] = line.split(': ');
  for (const word of words.split(' ')) if (!LEXICON.has(word)) LEXICON.set(word, concept);
}

/** A crude stemmer for three languages: plurals and common endings off. */
function stem(word) {
  if (word.length <= 4) return word;
  for (const suffix of ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ies', 'ied', 'ers', 'er', 'ed', 'es', 's', 'e', 'a', 'o']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

function conceptOf(word) {
  return LEXICON.get(word) ?? LEXICON.get(stem(word)) ?? (NUMBER_WORDS[word] !== undefined ? `#${NUMBER_WORDS[word]}` : undefined);
}

/** The weighted features of a text: concepts (or stems), numbers, and character trigrams of content words. */
function featuresOf(text) {
  const tokens = fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const features = new Map();
  const add = (feature, weight) => features.set(feature, (features.get(feature) ?? 0) + weight);
  for (let i = 0; i < tokens.length; i++) {
    // Phrases first ("se trouve", "plus grand", "how many").
    let used = 0;
    for (const span of [3, 2]) {
      if (i + span > tokens.length) continue;
      const concept = LEXICON.get(tokens.slice(i, i + span).join('_'));
      if (concept) {
        add(`c:${concept}`, 1);
        used = span;
        break;
      }
    }
    if (used > 0) {
      i += used - 1;
      continue;
    }
    const word = tokens[i];
    if (/^\d+$/.test(word)) {
      add(`#${Number(word)}`, 1.5);
      continue;
    }
    const concept = conceptOf(word);
    if (concept) add(concept.startsWith('#') ? concept : `c:${concept}`, concept.startsWith('#') ? 1.5 : 1);
    else if (STOPWORDS.has(word) || word.length === 1) {
      add(`s:${word}`, 0.15);
      continue;
    } else add(`w:${stem(word)}`, 1);
    // Spelling: character trigrams of the word.
    const padded = `<${word}>`;
    const grams = padded.length - 2;
    for (let j = 0; j < grams; j++) add(`g:${padded.slice(j, j + 3)}`, 0.6 / Math.sqrt(grams));
  }
  return features;
}

/** The embedding of a text: features hashed (with a sign) into `dimensions` floats, unit length. */
function embed(text, dimensions = 1536) {
  const vector = new Float32Array(dimensions);
  for (const [feature, weight] of featuresOf(text)) {
    const digest = createHash('sha256').update(feature).digest();
    for (let k = 0; k < 2; k++) {
      const index = digest.readUInt32BE(k * 4) % dimensions;
      const sign = digest[8 + k] & 1 ? 1 : -1;
      vector[index] += sign * weight;
    }
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}

/** Tokens as the fake bills them: about four characters each, as for chat calls. */
const tokensOf = (text) => Math.max(1, Math.ceil(String(text).length / 4));

module.exports = { embed, tokensOf, featuresOf };
