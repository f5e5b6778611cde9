"""Theme-tag and perspective vocabularies for prompt cards (English and Spanish labels)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    """One theme tag: a stable slug plus display labels."""

    slug: str
    en: str
    es: str
    group: str = ""

    def label(self, locale: str) -> str:
        return self.es if _lang(locale) == "es" else self.en


@dataclass(frozen=True)
class Perspective:
    """Whose point of view a card invites the group to take."""

    slug: str
    en: str
    es: str

    def label(self, locale: str) -> str:
        return self.es if _lang(locale) == "es" else self.en


# Groups, in display order, with labels.
THEME_GROUPS: tuple[Theme, ...] = (
    Theme("elements", "Essential elements", "Elementos esenciales"),
    Theme("tasks", "Collaborative tasks", "Tareas colaborativas"),
    Theme("stance", "Consultative stance", "Postura de consulta"),
    Theme("levels", "Levels of consultation", "Niveles de consulta"),
    Theme("care", "Caring for the caregiver", "Cuidar a quien cuida"),
    Theme("equity", "Culture and equity", "Cultura y equidad"),
    Theme("session", "Session rhythm", "Ritmo de la sesión"),
)

THEMES: tuple[Theme, ...] = (
    # Essential elements (names used as tags only)
    Theme("understanding-the-family-story", "Understanding the family story",
          "Comprender la historia de la familia", "elements"),
    Theme("holding-the-baby-in-mind", "Holding the baby in mind",
          "Tener presente al bebé", "elements"),
    Theme("professional-use-of-self", "Professional use of self",
          "Uso profesional de sí", "elements"),
    Theme("parallel-process", "Parallel process", "Proceso paralelo", "elements"),
    Theme("reflective-alliance", "Reflective alliance", "Alianza reflexiva", "elements"),
    # Collaborative tasks
    Theme("describing", "Describing", "Describir", "tasks"),
    Theme("responding", "Responding", "Responder", "tasks"),
    Theme("exploring", "Exploring", "Explorar", "tasks"),
    Theme("linking", "Linking", "Relacionar", "tasks"),
    Theme("integrating", "Integrating", "Integrar", "tasks"),
    # Consultative stance
    Theme("centrality-of-relationships", "Centrality of relationships",
          "Las relaciones en el centro", "stance"),
    Theme("avoiding-the-expert-position", "Avoiding the expert position",
          "Dejar de lado el papel de experto", "stance"),
    Theme("mutuality", "Mutuality", "Reciprocidad", "stance"),
    Theme("understanding-subjective-experience", "Understanding another's experience",
          "Comprender la experiencia del otro", "stance"),
    Theme("all-levels-of-influence", "Considering all levels of influence",
          "Tener en cuenta todos los niveles de influencia", "stance"),
    Theme("hearing-all-voices", "Hearing all voices", "Escuchar todas las voces", "stance"),
    Theme("wondering-instead-of-knowing", "Wondering instead of knowing",
          "Preguntarse en vez de saber", "stance"),
    Theme("patience", "Patience", "Paciencia", "stance"),
    Theme("holding-hope", "Holding hope", "Sostener la esperanza", "stance"),
    # Levels of consultation
    Theme("programmatic", "Program level", "Nivel del programa", "levels"),
    Theme("classroom", "Classroom level", "Nivel del salón de clases", "levels"),
    Theme("child-and-family", "Child and family level",
          "Nivel del niño y la familia", "levels"),
    # Caring for the caregiver
    Theme("stress", "Stress", "Estrés", "care"),
    Theme("burnout", "Burnout", "Desgaste profesional", "care"),
    Theme("compassion-fatigue", "Compassion fatigue", "Fatiga por compasión", "care"),
    Theme("secondary-traumatic-stress", "Secondary traumatic stress",
          "Estrés traumático secundario", "care"),
    Theme("self-care", "Self-care", "Autocuidado", "care"),
    Theme("regulation", "Regulation", "Regulación", "care"),
    Theme("repair", "Repair", "Reparación", "care"),
    Theme("grief-and-loss", "Grief and loss", "Duelo y pérdida", "care"),
    # Culture and equity
    Theme("culture-and-equity", "Culture and equity", "Cultura y equidad", "equity"),
    Theme("history-shapes-assumptions", "History and experience shape assumptions",
          "La historia y la experiencia moldean lo que suponemos", "equity"),
    Theme("perspective-mismatch", "When family and practitioner views differ",
          "Cuando la mirada de la familia y la nuestra no coinciden", "equity"),
    Theme("emotional-state-and-perspective", "Our emotional state and perspective-taking",
          "Nuestro estado emocional y la capacidad de ponernos en otro lugar", "equity"),
    Theme("diversity-informed-practice", "Diversity-informed reflective practice",
          "Práctica reflexiva con enfoque en la diversidad", "equity"),
    Theme("strengths", "Strengths and ways of knowing", "Fortalezas y saberes", "equity"),
    Theme("language", "Language", "Idioma y lenguaje", "equity"),
    # Session rhythm
    Theme("arriving", "Arriving", "Llegar", "session"),
    Theme("closing", "Closing", "Cierre", "session"),
)

THEME_SLUGS: tuple[str, ...] = tuple(t.slug for t in THEMES)
_THEMES_BY_SLUG = {t.slug: t for t in THEMES}

PERSPECTIVES: tuple[Perspective, ...] = (
    Perspective("parent", "Parent", "Mamá, papá o cuidador"),
    Perspective("child", "Child", "La niña o el niño"),
    Perspective("practitioner", "Practitioner (me)", "Profesional (yo)"),
    Perspective("family-view-of-me", "How the family sees me", "Cómo me ve la familia"),
    Perspective("relationships", "All the relationships", "Todas las relaciones"),
    Perspective("group", "The group", "El grupo"),
)

PERSPECTIVE_SLUGS: tuple[str, ...] = tuple(p.slug for p in PERSPECTIVES)
_PERSPECTIVES_BY_SLUG = {p.slug: p for p in PERSPECTIVES}


def _lang(locale: str | None) -> str:
    return (locale or "en").replace("_", "-").split("-")[0].lower()


def get_theme(slug: str) -> Theme | None:
    return _THEMES_BY_SLUG.get(slug)


def theme_label(slug: str, locale: str) -> str:
    """Display label for a theme slug; unknown slugs are returned unchanged."""
    theme = _THEMES_BY_SLUG.get(slug)
    return theme.label(locale) if theme else slug


def themes_in_group(group: str) -> tuple[Theme, ...]:
    return tuple(t for t in THEMES if t.group == group)


def perspective_label(slug: str, locale: str) -> str:
    """Display label for a perspective slug; unknown slugs are returned unchanged."""
    perspective = _PERSPECTIVES_BY_SLUG.get(slug)
    return perspective.label(locale) if perspective else slug
