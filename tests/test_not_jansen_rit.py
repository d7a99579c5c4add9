"""Models outside the Jansen-Rit family are refused, saying so, naming the operator and the
equation, and pointing to the supported forms (issue 25). The templates are csweep's own,
written after the models of PyRates' other tutorials."""

import pytest

from csweep import CircuitTemplate, NodeTemplate, OperatorTemplate, TemplateError, grid_search

QIF_YAML = """
qif_op:
  base: OperatorTemplate
  equations:
    - "r' = (delta/(pi*tau) + 2.0*r*v)/tau"
    - "v' = (v^2 + eta + I_ext + tau*r*J - (pi*tau*r)^2)/tau"
  variables:
    r: output(0.01)
    v: variable(-2.0)
    delta: 1.0
    tau: 1.0
    eta: -5.0
    J: 15.0
    I_ext: input(0.0)
qif_pop:
  base: NodeTemplate
  operators: [qif_op]
qif:
  base: CircuitTemplate
  nodes:
    p: qif_pop
"""


def _python_circuit(name, equations, variables):
    op = OperatorTemplate(name=f"{name}_op", equations=equations, variables=variables)
    return CircuitTemplate(name=name, nodes={"p": NodeTemplate(f"{name}_pop", operators=[op])})


def _check(message, operator, equation):
    assert "Jansen-Rit-family models only" in message
    assert "docs/templates.md" in message
    assert operator in message and equation in message


def test_a_qif_population_from_yaml(tmp_path):
    (tmp_path / "qif.yaml").write_text(QIF_YAML)
    with pytest.raises(TemplateError) as info:
        grid_search(str(tmp_path / "qif.yaml") + ":qif", {"eta": [-5.0]},
                    {"eta": {"vars": ["qif_op/eta"], "nodes": ["p"]}}, step_size=1e-3,
                    simulation_time=1.0, outputs={"r": "p/qif_op/r"})
    _check(str(info.value), "'qif_op'", "r' = (delta/(pi*tau) + 2.0*r*v)/tau")
    assert "undefined variable 'pi'" in str(info.value)


def test_a_van_der_pol_oscillator_built_in_python():
    vdp = _python_circuit("vdp", ["x' = z", "z' = mu*z*(1 - x^2) - x + inp"],
                          {"x": "output(0.0)", "z": "variable(1.0)", "mu": 1.0,
                           "inp": "input(0.0)"})
    with pytest.raises(TemplateError) as info:
        vdp.run(simulation_time=1.0, step_size=1e-3, outputs={"x": "p/vdp_op/x"})
    _check(str(info.value), "'vdp_op'", "z' = mu*z*(1 - x^2) - x + inp")


def test_a_kuramoto_oscillator_is_refused_as_soon_as_it_is_written():
    with pytest.raises(TemplateError) as info:
        _python_circuit("kmo", ["theta' = omega + s_in", "s = sin(2*pi*theta)"],
                        {"theta": "variable(0.0)", "s": "output(0.0)", "omega": 10.0,
                         "s_in": "input(0.0)"})
    _check(str(info.value), "'kmo_op'", "s = sin(2*pi*theta)")
    assert "unknown function 'sin'" in str(info.value)
