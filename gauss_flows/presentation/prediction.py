"""Predict first, then reveal: a prompt that asks the reader to commit before exploring.

``Prediction(question, options, answer, explanation)`` shows the question, a dropdown
of predictions and a "Reveal" button that stays disabled until a prediction is chosen.
Revealing says whether the prediction was right, gives the answer and the explanation.
Live it is ``ipywidgets``; under ``GAUSS_FLOWS_STATIC=1`` the same layout with inline JS.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Sequence

from gauss_flows.presentation import static


class Prediction:
    """A "predict first" prompt (also exported as ``Reveal``).

    Args:
        question: what the reader should predict, e.g. "Is the density at x denser or thinner?".
        options: the predictions to choose from.
        answer: the right option (one of ``options``).
        explanation: why, shown after the reveal.
    """

    _counter = itertools.count()

    def __init__(self, question: str, options: Sequence[str], answer: str, explanation: str = ""):
        self.question, self.options = str(question), [str(o) for o in options]
        if str(answer) not in self.options:
            raise ValueError(f"answer {answer!r} must be one of the options {self.options}.")
        self.answer, self.explanation = str(answer), str(explanation)
        self._live = None

    def reveal(self, prediction: str) -> str:
        """The text shown after revealing, for the given prediction."""
        if str(prediction) not in self.options:
            raise ValueError(f"prediction must be one of {self.options}, got {prediction!r}.")
        verdict = ("Right" if str(prediction) == self.answer else
                   f"Not quite: you predicted \u201c{prediction}\u201d")
        return f"{verdict}. Answer: {self.answer}. {self.explanation}".strip()

    def to_html(self) -> str:
        data = {"answer": self.options.index(self.answer),
                "results": [self.reveal(o) for o in self.options]}
        payload = static.json_for_script(data)
        uid = f"gf-p{hashlib.sha1(payload.encode()).hexdigest()[:10]}-{next(self._counter)}"
        options = "".join(f'<option value="{k}">{static.esc(o)}</option>'
                          for k, o in enumerate(self.options))
        return (f'<div class="gf-prediction" id="{uid}">{static.CSS}'
                f'<p class="gf-question" id="{uid}-q"><b>Predict first:</b> {static.esc(self.question)}</p>'
                f'<select data-control="prediction" aria-labelledby="{uid}-q"><option value="" selected disabled>'
                f'choose your prediction\u2026</option>{options}</select> '
                f'<button type="button" data-control="reveal" disabled>Reveal</button>'
                f'<div class="gf-answer" aria-live="polite" hidden></div>'
                f'<script type="application/json" class="gf-states">{payload}</script>'
                f'{static.PREDICTION_JS.replace("__ROOT__", uid)}</div>')

    def widget(self):
        if self._live is None:
            import ipywidgets as w

            choice = w.Dropdown(options=[("choose your prediction\u2026", None)] +
                                [(o, o) for o in self.options], value=None)
            button = w.Button(description="Reveal", disabled=True)
            result = w.HTML("")
            choice.observe(lambda change: setattr(button, "disabled", change["new"] is None),
                           names="value")
            button.on_click(lambda _: setattr(result, "value",
                                              f"<p>{static.esc(self.reveal(choice.value))}</p>"))
            self._live = w.VBox([w.HTML(f"<b>Predict first:</b> {static.esc(self.question)}"),
                                 w.HBox([choice, button]), result])
        return self._live

    def show(self) -> None:
        from IPython.display import display

        display(self)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        if static.static_mode():
            return {"text/html": self.to_html(), "text/plain": repr(self)}
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def __repr__(self) -> str:
        return f"Prediction({self.question!r}, options={self.options})"
